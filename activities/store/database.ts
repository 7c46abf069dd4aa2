/**
 * Opens the state database: postgres.js against `DATABASE_URL`, or PGlite (in-process Postgres) in
 * `<home>/pglite` when no URL is set. Both run the committed migrations before use.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as tables from '../../schemas/tables';

/** The drizzle database every repository takes; the driver behind it does not leak out. */
export type Db = PgDatabase<PgQueryResultHKT, typeof tables>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Where the data lives, without credentials. */
  location: string;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = path.resolve(__dirname, '../../schemas/migrations');

export interface OpenDatabaseOptions {
  databaseUrl?: string;
  /** PGlite data directory; `memory://` for a throwaway database. */
  pgliteDir?: string;
  /** Pool size for postgres.js. */
  maxConnections?: number;
}

/** Open and migrate the database. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.maxConnections ?? 10);
  if (!options.pgliteDir) throw new Error('openDatabase needs databaseUrl or pgliteDir');
  return openPglite(options.pgliteDir);
}

async function openPostgres(url: string, max: number): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  const client = postgres(url, { max, onnotice: () => undefined, connect_timeout: 10 });
  const db = drizzle(client, { schema: tables });
  // Serialise migrations across workers starting together: a session lock held on a reserved connection.
  const lockConn = await client.reserve().catch(async (err: unknown) => {
    await client.end({ timeout: 5 });
    throw new Error(
      `cannot connect to the database (DATABASE_URL ${withoutCredentials(url)}): ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  });
  try {
    await lockConn`select pg_advisory_lock(7421003)`;
    await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  } catch (err) {
    lockConn.release();
    await client.end({ timeout: 5 });
    throw err;
  }
  await lockConn`select pg_advisory_unlock(7421003)`;
  lockConn.release();
  return {
    db: db as unknown as Db,
    kind: 'postgres',
    location: withoutCredentials(url),
    close: () => client.end({ timeout: 5 }),
  };
}

/** `postgres://host:port/database`: where the data is, without user or password. */
function withoutCredentials(url: string): string {
  const { host, pathname } = new URL(url);
  return `postgres://${host}${pathname}`;
}

async function openPglite(dir: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const memory = dir.startsWith('memory://');
  const releaseLock = memory ? () => undefined : lockDirectory(dir);
  const client = await PGlite.create(dir).catch((err: unknown) => {
    releaseLock();
    throw err;
  });
  const db = drizzle(client, { schema: tables });
  const close = async () => {
    await client.close();
    releaseLock();
  };
  try {
    await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  } catch (err) {
    await close();
    throw err;
  }
  return { db: db as unknown as Db, kind: 'pglite', location: `PGlite ${dir}`, close };
}

/**
 * PGlite is one process's database: two processes on one data directory would corrupt it. Take a pid lock
 * file next to it (a lock left by a dead process is taken over) and return its release.
 */
export function lockDirectory(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const lockFile = `${dir.replace(/\/+$/, '')}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(lockFile, 'utf8'));
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new Error(
          `the embedded database ${dir} is in use by process ${holder} (a snowpatrol worker or command); ` +
            'stop it, or set DATABASE_URL so several processes can share one Postgres',
        );
      }
      fs.rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`could not lock ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
