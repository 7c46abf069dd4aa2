/**
 * Finds (or obtains) the Temporal CLI, in this order: TEMPORAL_CLI_PATH → `temporal` on PATH → the project
 * cache `<home>/bin/temporal` → the Temporal SDK's own download → `go install` of the pinned version when Go ≥
 * 1.25 is present → a clear error saying how to install it. The result is cached under `<home>/bin`.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** v1.6+ carries a `replace` directive that breaks `go install`; v1.5.1 builds cleanly. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export interface ResolveOptions {
  /** TEMPORAL_CLI_PATH, if set. */
  explicitPath?: string;
  /** snowpatrol's state directory; the binary is cached in `<home>/bin`. */
  home: string;
  /** Progress lines for the user. */
  log: (line: string) => void;
  /** Skip the SDK download attempt (tests, offline machines). */
  skipDownload?: boolean;
}

export class TemporalCliNotFoundError extends Error {
  override readonly name = 'TemporalCliNotFoundError';
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** `go1.26.8` → [1, 26]; undefined when Go is absent. */
export function goVersion(): [number, number] | undefined {
  const out = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  const m = out.status === 0 ? /go(\d+)\.(\d+)/.exec(out.stdout) : null;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export async function resolveTemporalCli(options: ResolveOptions): Promise<string> {
  const binDir = path.join(options.home, 'bin');
  const cached = path.join(binDir, 'temporal');
  if (options.explicitPath) {
    if (!isExecutable(options.explicitPath)) {
      throw new TemporalCliNotFoundError(`TEMPORAL_CLI_PATH=${options.explicitPath} is not an executable file`);
    }
    return options.explicitPath;
  }
  const fromPath = onPath('temporal');
  if (fromPath) return fromPath;
  if (isExecutable(cached)) return cached;

  if (!options.skipDownload) {
    const downloaded = await downloadWithSdk(binDir, options.log);
    if (downloaded) return downloaded;
  }

  const go = goVersion();
  if (go && (go[0] > 1 || go[1] >= 25)) {
    await goInstall(binDir, options.log);
    if (isExecutable(cached)) return cached;
  }
  throw new TemporalCliNotFoundError(
    'Temporal CLI not found. Install it (https://docs.temporal.io/cli: `brew install temporal`, or ' +
      `\`go install ${TEMPORAL_CLI_MODULE}\` with Go ≥ 1.25) and put it on PATH, or set TEMPORAL_CLI_PATH.`,
  );
}

/** Let the Temporal SDK fetch its pinned dev server binary; undefined (with a note) when it cannot. */
async function downloadWithSdk(binDir: string, log: (line: string) => void): Promise<string | undefined> {
  const downloadDir = path.join(binDir, 'sdk-download');
  log('Temporal CLI: trying the Temporal SDK download…');
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await withTimeout(
      TestWorkflowEnvironment.createLocal({
        server: { executable: { type: 'cached-download', downloadDir }, ui: false },
      }),
      90_000,
    );
    await env.teardown();
    const found = findExecutable(downloadDir);
    if (!found) return undefined;
    fs.mkdirSync(binDir, { recursive: true });
    fs.copyFileSync(found, path.join(binDir, 'temporal'));
    fs.chmodSync(path.join(binDir, 'temporal'), 0o755);
    return path.join(binDir, 'temporal');
  } catch (err) {
    log(`Temporal CLI: SDK download unavailable (${firstLine(err)})`);
    return undefined;
  }
}

function findExecutable(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = findExecutable(full);
      if (inner) return inner;
    } else if (entry.name.startsWith('temporal') && isExecutable(full)) {
      return full;
    }
  }
  return undefined;
}

/** Build the pinned CLI with `go install`, streaming Go's package-by-package progress. */
async function goInstall(binDir: string, log: (line: string) => void): Promise<void> {
  fs.mkdirSync(binDir, { recursive: true });
  log(
    `Temporal CLI: building ${TEMPORAL_CLI_MODULE} with go install (first time only; a cold build takes a few minutes)…`,
  );
  const started = Date.now();
  let built = 0;
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('go', ['install', '-v', TEMPORAL_CLI_MODULE], {
      env: { ...process.env, GOBIN: binDir, GONOSUMDB: process.env.GONOSUMDB ?? 'github.com/temporalio/cli' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        built++;
        if (built % 100 === 0)
          log(`Temporal CLI: ${built} packages built (${Math.round((Date.now() - started) / 1000)} s)…`);
      }
    };
    child.stdout.on('data', onLine);
    child.stderr.on('data', onLine);
    child.on('error', reject);
    child.on('close', (status) => {
      if (status !== 0) log(tail.join('\n'));
      resolve(status ?? 1);
    });
  });
  if (code !== 0)
    throw new TemporalCliNotFoundError(`go install ${TEMPORAL_CLI_MODULE} failed (exit ${code}); see the output above`);
  log(`Temporal CLI: built in ${Math.round((Date.now() - started) / 1000)} s → ${path.join(binDir, 'temporal')}`);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err)
    .split('\n')[0]
    .slice(0, 200);
}
