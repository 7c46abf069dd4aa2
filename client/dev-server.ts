/**
 * The embedded Temporal: the CLI's dev server with state in `<home>/temporal.db` (so runs and their histories
 * survive restarts), the Web UI, and snowpatrol's search attributes registered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SEARCH_ATTRIBUTE_CLI_ARGS } from '../schemas/constants';

export interface DevServerOptions {
  cliPath: string;
  home: string;
  port?: number;
  uiPort?: number;
  namespace?: string;
  /** Pipe the server's own log to this process's stderr. */
  inheritOutput?: boolean;
  /** The codec server the Web UI sends payloads to for decoding (`snowpatrol codec-server`). */
  uiCodecEndpoint?: string;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function isListening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const port = options.port ?? 7233;
  const uiPort = options.uiPort ?? 8233;
  fs.mkdirSync(options.home, { recursive: true });
  if (await isListening('127.0.0.1', port)) {
    throw new Error(`port ${port} is already in use; stop what is listening there or set TEMPORAL_ADDRESS to use it`);
  }
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--db-filename',
    path.join(options.home, 'temporal.db'),
    '--namespace',
    options.namespace ?? 'default',
    '--log-level',
    'warn',
    ...SEARCH_ATTRIBUTE_CLI_ARGS.flatMap((sa) => ['--search-attribute', sa]),
    ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
  ];
  const child = spawn(options.cliPath, args, {
    stdio: ['ignore', options.inheritOutput ? 'inherit' : 'ignore', options.inheritOutput ? 'inherit' : 'pipe'],
    detached: false,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  const deadline = Date.now() + 60_000;
  while (!(await isListening('127.0.0.1', port))) {
    if (exited) throw new Error(`Temporal dev server exited at start:\n${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('Temporal dev server did not start listening within 60 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: `http://localhost:${uiPort}`,
    process: child,
    stop: () => stopProcess(child),
  };
}

/** SIGTERM, then SIGKILL after 10 s; resolves when the process has exited. */
export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
