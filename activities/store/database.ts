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
    throw err;
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
  const { host, pathname } = new URL(url);
  return {
    db: db as unknown as Db,
    kind: 'postgres',
    location: `postgres://${host}${pathname}`,
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite(dir: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  if (!dir.startsWith('memory://')) fs.mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
  const db = drizzle(client, { schema: tables });
  try {
    await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  } catch (err) {
    await client.close();
    throw err;
  }
  return { db: db as unknown as Db, kind: 'pglite', location: `PGlite ${dir}`, close: () => client.close() };
}
