/** Run the `snowpatrol` CLI as a user would: a child process with its own environment. */
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment without anything that would point the CLI at external servers. */
export function isolatedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(SNOWPATROL_|TEMPORAL_|SLACK_|SNOWFLAKE_)/.test(key) || key === 'DATABASE_URL') delete env[key];
  }
  return { ...env, ...extra };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [path.join(ROOT, 'client/main.ts'), ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningCli {
  pid: number;
  output(): string;
  /** Signal the whole process group (tsx runs the CLI in a child node process). */
  kill(signal: NodeJS.Signals): void;
  exited: Promise<number | null>;
}

/** Start a long-running CLI command (e.g. `worker`) in its own process group. */
export function startCli(args: string[], env: NodeJS.ProcessEnv): RunningCli {
  const child = spawn(TSX, [path.join(ROOT, 'client/main.ts'), ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pid: child.pid as number,
    output: () => output,
    kill(signal) {
      try {
        process.kill(-(child.pid as number), signal);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    },
    exited,
  };
}

/** A child process whose stdout and stderr are collected in the order written. */
export interface CapturedProcess {
  /** The process id (with `startNodeCli`, the node process running the CLI itself: no wrapper). */
  pid: number;
  output(): string;
  /** Signal the process itself (no process group), if it is still running. */
  kill(signal: NodeJS.Signals): void;
  /** Its exit code, once it has exited and its output streams are closed. */
  exited: Promise<number | null>;
}

/** Start `command args` from the repository root, collecting its output. */
export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv): CapturedProcess {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    pid: child.pid as number,
    output: () => output,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    exited,
  };
}

/**
 * `node --import tsx client/main.ts <args>`: the CLI as the container image starts it (past tini), so a signal
 * reaches the CLI itself — the tsx CLI of `startCli` relays signals to its own child and kills it if it does not
 * answer within 60 ms.
 */
export function startNodeCli(args: string[], env: NodeJS.ProcessEnv): CapturedProcess {
  return startProcess(process.execPath, ['--import', 'tsx', 'client/main.ts', ...args], env);
}
