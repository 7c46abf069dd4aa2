/**
 * Child processes of the pipeline benchmark: tsx scripts that answer in JSON lines, snowpatrol workers whose
 * memory is sampled from /proc, and stopping every one of them by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '..');
export const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

/** Progress goes to stderr; stdout carries only the report. */
export const log = (line: string) => process.stderr.write(`${line}\n`);

export { freePort } from '../test/helpers/cli';

let refusing = false;

/** After this, starting a process throws: the benchmark is stopping everything it started. */
export function refuseNewProcesses(): void {
  refusing = true;
}

function assertMayStart(what: string): void {
  if (refusing) throw new Error(`not starting ${what}: the benchmark is stopping`);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A tsx script in its own process whose stdout is JSON lines (one per answer); stderr is passed through. */
export class JsonChild {
  readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private exited = false;

  /** `nodeArgs` go to the node process tsx starts (e.g. `--cpu-prof`). */
  constructor(script: string, args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []) {
    assertMayStart(script);
    this.child = spawn(TSX, [...nodeArgs, path.join(__dirname, script), ...args], {
      cwd: ROOT,
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    readline.createInterface({ input: this.child.stdout! }).on('line', (line) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(line);
      } else this.lines.push(line);
    });
    this.child.once('exit', () => {
      this.exited = true;
      this.waiting?.(undefined);
    });
  }

  /** The next JSON line, parsed; throws when the process exits first. */
  async next<T>(): Promise<T> {
    const line =
      this.lines.shift() ??
      (this.exited ? undefined : await new Promise<string | undefined>((resolve) => (this.waiting = resolve)));
    if (line === undefined)
      throw new Error(`${this.child.spawnargs[1]} exited (${this.child.exitCode}) before answering`);
    return JSON.parse(line) as T;
  }

  send(value: unknown): void {
    this.child.stdin!.write(`${JSON.stringify(value)}\n`);
  }

  /** Run to completion: the one JSON answer, after the process has exited. */
  async result<T>(): Promise<T> {
    const value = await this.next<T>();
    if (!this.exited) await new Promise((r) => this.child.once('exit', r));
    if (this.child.exitCode !== 0) throw new Error(`${this.child.spawnargs[1]} exited with ${this.child.exitCode}`);
    return value;
  }

  stop(): Promise<void> {
    this.child.stdin?.end();
    return stopChild(this.child);
  }
}

/** The pids of a process's children, from /proc (every thread's children file). */
function childrenOf(pid: number): number[] {
  try {
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((tid) => fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/))
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** VmRSS and VmHWM (peak RSS) of a process in KiB, or undefined when it is gone. */
export function memoryOf(pid: number): { rssKB: number; hwmKB: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKB: field('VmRSS'), hwmKB: field('VmHWM') };
  } catch {
    return undefined;
  }
}

/** A process and all its descendants, from /proc. */
export function processTree(rootPid: number): number[] {
  const all = [rootPid];
  for (let i = 0; i < all.length; i++) all.push(...childrenOf(all[i]));
  return all;
}

/** A memory sample of a worker process: milliseconds since the epoch and VmRSS. */
export interface RssSample {
  at: number;
  rssKB: number;
}

const WORKER_SCRIPT = 'client/main.ts';
const SAMPLE_EVERY_MS = 100;

/**
 * `snowpatrol worker` as a child process (`tsx client/main.ts worker`), its output in a log file. The process that
 * polls (the node process tsx starts) is sampled every 100 ms (VmRSS) once it polls; VmHWM is read when it stops.
 */
export class WorkerProcess {
  readonly child: ChildProcess;
  nodePid: number | undefined;
  readonly samples: RssSample[] = [];
  /** VmHWM of the node process just before it was stopped. */
  peakKB = 0;
  /** VmHWM when it became ready: start-up alone (modules, workflow bundle, connections). */
  readyKB = 0;
  /** Milliseconds from spawn to ready. */
  startupMs = 0;
  private readonly spawnedAt = Date.now();
  private sampler: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    env: NodeJS.ProcessEnv,
    readonly logFile: string,
    nodeArgs: string[] = [],
  ) {
    assertMayStart(name);
    const out = fs.openSync(logFile, 'a');
    this.child = spawn(TSX, [...nodeArgs, WORKER_SCRIPT, 'worker'], { cwd: ROOT, env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
  }

  /**
   * Wait until the worker polls: one process of its tree (tsx and the node process it starts) is among
   * `pollers()`, the pids of the task queue's pollers. That process is the one measured. The worker's log is not
   * parsed, so its format may change freely.
   */
  async ready(pollers: () => Promise<number[]>, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.nodePid === undefined) {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited at start:\n${this.tail()}`);
      if (Date.now() > deadline)
        throw new Error(`${this.name} not polling within ${timeoutMs / 1000} s:\n${this.tail()}`);
      const polling = new Set(await pollers());
      this.nodePid = processTree(this.child.pid!).find((pid) => polling.has(pid));
      if (this.nodePid === undefined) await new Promise((r) => setTimeout(r, 200));
    }
    this.sampler = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
    this.sample();
    this.readyKB = this.peakKB;
    this.startupMs = Date.now() - this.spawnedAt;
  }

  private sample(): void {
    const memory = this.nodePid === undefined ? undefined : memoryOf(this.nodePid);
    if (!memory) return;
    this.samples.push({ at: Date.now(), rssKB: memory.rssKB });
    this.peakKB = Math.max(this.peakKB, memory.hwmKB);
  }

  /** Highest sampled RSS between two instants (KiB); 0 when there is no sample then. */
  peakBetween(from: number, to: number): number {
    let peak = 0;
    for (const s of this.samples) if (s.at >= from && s.at <= to + SAMPLE_EVERY_MS) peak = Math.max(peak, s.rssKB);
    return peak;
  }

  tail(lines = 30): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Drain and stop (SIGTERM to tsx, which relays it), recording VmHWM first; SIGKILL both pids after 40 s. */
  async stop(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    this.sample();
    const node = this.nodePid;
    await stopChild(this.child, 40_000);
    if (node !== undefined && memoryOf(node)) {
      try {
        process.kill(node, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
