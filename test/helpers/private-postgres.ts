/**
 * A private PostgreSQL cluster for tests that stop and start the database server: its own data directory in a
 * temp dir, its own loopback port, trust auth. The shared server on 127.0.0.1:5432 is never touched.
 *
 * initdb and postgres refuse to run as root, so under root (as here) they run as the `postgres` system user
 * (spawned with its uid/gid), with the temp dir handed over to it. The postmaster is a direct child of the test,
 * so it is stopped by its pid: SIGINT is PostgreSQL's "fast" shutdown (active transactions rolled back, clients
 * disconnected), SIGKILL a crash.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { freePort } from './cli';

const BIN = process.env.SNOWPATROL_TEST_PG_BIN ?? '/usr/local/bin';

export interface PrivatePostgres {
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  url(database?: string): string;
  /** Create a database and return its URL. */
  createDatabase(name: string): Promise<string>;
  /** Whether the server is up. */
  running(): boolean;
  /** Stop the server: `fast` (SIGINT, what `pg_ctl stop -m fast` sends) or `immediate` (SIGQUIT). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Start it again on the same port and data directory; resolves once it accepts connections. */
  start(): Promise<void>;
  /** The server's log (stderr), for failure messages. */
  log(): string;
  /** Stop the server if running and delete the data directory. */
  destroy(): Promise<void>;
}

/** The uid/gid to run PostgreSQL as: the `postgres` user when this process is root, else this process's own. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root, and there is no `postgres` user to run initdb and postgres as');
  }
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const user = serverUser();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-pg-'));
  const dataDir = path.join(base, 'data');
  if (user) fs.chownSync(base, user.uid, user.gid);
  const port = await freePort();
  const asServerUser = { ...(user ?? {}), env: { ...process.env, LC_ALL: 'C', HOME: base } };

  execFileSync(
    path.join(BIN, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
    { ...asServerUser, stdio: 'pipe' },
  );

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let log = '';

  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;

  async function start(): Promise<void> {
    if (child) throw new Error('private postgres is already running');
    const server = spawn(
      path.join(BIN, 'postgres'),
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-k',
        base,
        '-c',
        'listen_addresses=127.0.0.1',
        // A throwaway cluster: durability across an OS crash is not what these tests are about.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=100',
      ],
      { ...asServerUser, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child = server;
    server.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-20_000)));
    exited = new Promise((resolve) =>
      server.once('exit', () => {
        if (child === server) child = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!child) throw new Error(`private postgres exited at start:\n${log}`);
      if (await accepts(url())) return;
      if (Date.now() > deadline) throw new Error(`private postgres did not accept connections within 60 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    const server = child;
    if (!server) return;
    server.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    const done = exited;
    const killer = setTimeout(() => server.kill('SIGKILL'), 30_000);
    await done;
    clearTimeout(killer);
  }

  await start();
  return {
    port,
    url,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      const admin = postgres(url(), { max: 1, onnotice: () => undefined });
      try {
        await admin.unsafe(`create database ${name}`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    running: () => child !== undefined,
    stop,
    start,
    log: () => log,
    async destroy() {
      await stop('fast');
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

async function accepts(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => undefined });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => undefined);
  }
}
