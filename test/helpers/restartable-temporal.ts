/**
 * A Temporal dev server that a test can stop and start again with its state kept: the Temporal CLI's
 * `server start-dev`, launched the way `npm run dev-server` launches it (client/dev-server.ts), on fixed loopback
 * ports with its SQLite state in a temp file. TestWorkflowEnvironment cannot do this: it picks new ports and
 * forgets its state when stopped.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer, type DevServer } from '../../client/dev-server';
import { freePort } from './cli';
import { temporalCliPath } from './temporal';

export interface RestartableTemporal {
  /** `127.0.0.1:<port>`, the same across restarts. */
  address: string;
  namespace: string;
  /** The SQLite file holding the server's state. */
  dbFile: string;
  running(): boolean;
  /** Stop the server (SIGTERM, then SIGKILL after 10 s); its state stays in `dbFile`. */
  stop(): Promise<void>;
  /** Start it again on the same ports and state; resolves once its frontend accepts connections. */
  start(): Promise<void>;
  /** Stop it and delete its state. */
  destroy(): Promise<void>;
}

export async function startRestartableTemporal(namespace = 'default'): Promise<RestartableTemporal> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-temporal-'));
  const port = await freePort();
  const uiPort = await freePort();
  let server: DevServer | undefined;

  async function start(): Promise<void> {
    if (server) throw new Error('the Temporal dev server is already running');
    server = await startDevServer({ cliPath: temporalCliPath(), home, port, uiPort, namespace });
  }

  async function stop(): Promise<void> {
    const current = server;
    server = undefined;
    await current?.stop();
  }

  await start();
  return {
    address: `127.0.0.1:${port}`,
    namespace,
    dbFile: path.join(home, 'temporal.db'),
    running: () => server !== undefined,
    stop,
    start,
    async destroy() {
      await stop();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
