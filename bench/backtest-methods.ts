/**
 * The three detection methods the backtest benchmark (bench/backtest.ts) compares, each run over a whole data set
 * single-threaded: snowpatrol's walk-forward backtest, our TypeScript port of SnowPatrol's method, and SnowPatrol's
 * method in Python (bench/snowpatrol_method.py).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backtestWarehouse, type BacktestSettings } from '../activities/ml/backtest';
import type { DailyCredits } from '../activities/ml/calendar';
import type { Directions } from '../activities/ml/detect';
import type { DayRef } from '../activities/ml/evaluate';
import { snowpatrolMethodFlags } from '../activities/ml/snowpatrol-method';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '..');
/** Debian's Python, which has pandas, statsmodels and scikit-learn as system packages. */
export const PYTHON = '/usr/bin/python3';
/** SnowPatrol's method flags a day in either direction. */
const SNOWPATROL_METHOD_DIRECTIONS: Directions = 'both';

/** Progress goes to stderr; stdout carries only the report. */
export const log = (text: string) => process.stderr.write(`${text}\n`);

/** A labelled data set the methods run on. */
export interface Dataset {
  name: string;
  series: Map<string, DailyCredits[]>;
  labels: (DayRef & { kind: string })[];
  levelShifts: DayRef[];
  holidays: Set<string>;
  /** Warehouses whose weekday holidays dip. */
  holidayWarehouses: Set<string>;
}

/** One method's flags over a data set, and how long it took. */
export interface MethodRun {
  method: string;
  seconds: number | null;
  flags: DayRef[];
  /** Which directions the method alerts. */
  directions: Directions;
  extra?: Record<string, unknown>;
  /** Why each judged day that did not alert was not alerted (snowpatrol only). */
  suppressed?: Map<string, string>;
}

/** A warehouse-day as a set key. */
export const key = (d: DayRef) => `${d.warehouse}|${d.day}`;

/** (a) snowpatrol's backtest over every warehouse. */
export function runSnowpatrol(data: Dataset, settings: BacktestSettings, quiet = false): MethodRun {
  const flags: DayRef[] = [];
  const total = data.series.size;
  let done = 0;
  let unscored = 0;
  let models = 0;
  const suppressed = new Map<string, string>();
  const started = performance.now();
  for (const [warehouse, series] of data.series) {
    const result = backtestWarehouse(warehouse, series, settings);
    unscored += result.unscored;
    models += result.models;
    for (const d of result.days) {
      if (d.isAnomaly) flags.push({ warehouse, day: d.usageDate });
      else suppressed.set(key({ warehouse, day: d.usageDate }), d.suppressedBy ?? '?');
    }
    done++;
    if (!quiet && (done % Math.max(1, Math.floor(total / 20)) === 0 || done === total)) {
      log(`  snowpatrol: ${done}/${total} warehouses, ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    method: 'snowpatrol backtest',
    seconds,
    flags,
    directions: settings.params.filters.directions,
    extra: { unscored, models },
    suppressed,
  };
}

/** (b) our TypeScript port of SnowPatrol's method. */
export function runPort(data: Dataset, settings: BacktestSettings, quiet = false): MethodRun {
  const flags: DayRef[] = [];
  const total = data.series.size;
  let done = 0;
  const started = performance.now();
  for (const [warehouse, series] of data.series) {
    for (const day of snowpatrolMethodFlags(series, settings)) flags.push({ warehouse, day });
    done++;
    if (!quiet && (done % Math.max(1, Math.floor(total / 10)) === 0 || done === total)) {
      log(`  TS port: ${done}/${total} warehouses, ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  }
  return {
    method: 'SnowPatrol method, TS port',
    seconds: (performance.now() - started) / 1000,
    flags,
    directions: SNOWPATROL_METHOD_DIRECTIONS,
  };
}

/** Why not, when /usr/bin/python3 cannot run the SnowPatrol method. */
export function pythonUnavailable(): string | undefined {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} not found`;
  const check = spawnSync(PYTHON, ['-c', 'import statsmodels, sklearn, pandas'], { encoding: 'utf8' });
  return check.status === 0 ? undefined : (check.stderr.trim().split('\n').at(-1) ?? 'import failed');
}

/** (c) SnowPatrol's method in pandas + statsmodels + scikit-learn, on a CSV of the data set. */
export async function runPython(data: Dataset, settings: BacktestSettings): Promise<MethodRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-backtest-'));
  try {
    const csv = path.join(dir, 'daily-credits.csv');
    const out = fs.createWriteStream(csv);
    out.write('warehouse,usage_date,credits\n');
    for (const [warehouse, series] of data.series) {
      out.write(series.map((p) => `${warehouse},${p.day},${p.credits}\n`).join(''));
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const args = [
      path.join(__dirname, 'snowpatrol_method.py'),
      csv,
      settings.from,
      settings.to,
      String(settings.trainingDays),
      String(settings.retrainEveryDays),
      String(settings.seed),
    ];
    const started = performance.now();
    const child = spawn(PYTHON, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) throw new Error(`snowpatrol_method.py exited with ${code}`);
    const wallSeconds = (performance.now() - started) / 1000;
    const result = JSON.parse(stdout) as {
      seconds: number;
      flags: { warehouse: string; usage_date: string }[];
      versions: Record<string, string>;
    };
    return {
      method: 'SnowPatrol method, Python',
      seconds: result.seconds,
      flags: result.flags.map((f) => ({ warehouse: f.warehouse, day: f.usage_date })),
      directions: SNOWPATROL_METHOD_DIRECTIONS,
      extra: { wallSeconds, versions: result.versions },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
