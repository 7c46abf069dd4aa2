/** The top functions by self time of a V8 CPU profile (`node --cpu-prof`), for the benchmark's hot-spot list. */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './pipeline-processes';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface HotSpot {
  function: string;
  where: string;
  selfMs: number;
  /** Share of the busy (not idle) time profiled. */
  share: number;
}

export interface HotSpots {
  /** Milliseconds profiled (after `skipMs`), and how many of them the thread was idle (waiting on I/O). */
  profiledMs: number;
  idleMs: number;
  top: HotSpot[];
}

/**
 * Self time per function (same name and location merged), highest first, leaving out the first `skipMs` of the
 * profile (a worker's start-up: loading modules, bundling the workflow code).
 */
export function hotSpots(file: string, top = 15, skipMs = 0): HotSpots {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let at = 0;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    if (at < skipMs * 1000) continue;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
  }
  const merged = new Map<string, HotSpot>();
  let profiled = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    profiled += us;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    const name = functionName || '(anonymous)';
    const file = url ? path.relative(ROOT, url.replace(/^file:\/\//, '')) : '';
    // tsx runs the project's TypeScript transpiled, so its line numbers say nothing: the file only.
    const transpiled = file.endsWith('.ts') && !file.startsWith('node_modules');
    const where = file && !transpiled ? `${file}:${lineNumber + 1}` : file;
    const key = `${name}@${where}`;
    const spot = merged.get(key) ?? { function: name, where, selfMs: 0, share: 0 };
    spot.selfMs += us / 1000;
    merged.set(key, spot);
  }
  const busy = profiled - idle;
  return {
    profiledMs: profiled / 1000,
    idleMs: idle / 1000,
    top: [...merged.values()]
      .map((s) => ({ ...s, share: busy > 0 ? (s.selfMs * 1000) / busy : 0 }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top),
  };
}

/**
 * The profile of the process that did the work among those written into `dir`: tsx's own launcher process writes
 * a small one beside it, so the largest.
 */
export function mainProfile(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f))
    .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
}
