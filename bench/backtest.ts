/**
 * Benchmark: snowpatrol's walk-forward backtest against SnowPatrol's method, on a realistic labelled
 * organisation (bench/labelled-org.ts) — speed, and detection quality of each.
 *
 *   npm run bench:backtest -- [--warehouses 200] [--days 730] [--seed 42] [--retrain-every 7] [--no-python]
 *
 * The backtest covers the last 365 days (90 training days, at least 28, 28-day feature window). Three methods:
 * (a) snowpatrol's backtestWarehouse with DEFAULT_DETECTOR_PARAMS, in-process; (b) our TypeScript port of
 * SnowPatrol's method (snowpatrolMethodFlags); (c) SnowPatrol's method in pandas + statsmodels + scikit-learn
 * (bench/snowpatrol_method.py, run with Debian's /usr/bin/python3) unless --no-python or those are missing.
 * Every method runs single-threaded. The built-in demo organisation (6 warehouses) is evaluated for quality
 * too. Prints tables and writes bench/results/backtest-*.json.
 *
 * This file is the entry point: arguments, the data sets and the run. The methods are in backtest-methods.ts,
 * the scoring and the tables in backtest-report.ts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addDays, eachDay } from '../schemas/dates';
import type { BacktestSettings } from '../activities/ml/backtest';
import type { DailyCredits } from '../activities/ml/calendar';
import { DEFAULT_DETECTOR_PARAMS } from '../activities/ml/detector';
import { labelEvents } from '../activities/ml/evaluate';
import { DEMO_WAREHOUSES, demoAnomalyLabels, demoHourlyRows } from '../activities/sources/demo-org';
import {
  log,
  PYTHON,
  pythonUnavailable,
  ROOT,
  runPort,
  runPython,
  runSnowpatrol,
  type Dataset,
  type MethodRun,
} from './backtest-methods';
import { evaluate, jaccard, pct, printResults, type Evaluation } from './backtest-report';
import { labelledOrg, LABELLED_FROM } from './labelled-org';

const RANGE_DAYS = 365;
const TRAINING_DAYS = 90;
const MIN_TRAINING_DAYS = 28;
const WINDOW_DAYS = 28;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** The commit the detector code comes from, and whether activities/ differs from it. */
function codeVersion(): { commit: string; activitiesDirty: boolean } {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  return {
    commit: git('rev-parse', '--short', 'HEAD'),
    activitiesDirty: git('status', '--porcelain', 'activities') !== '',
  };
}

const mb = (kb: number) => kb / 1024;

/** The built-in demo organisation as a data set, `days` days from LABELLED_FROM. */
function demoDataset(days: number, seed: number): Dataset {
  const to = addDays(LABELLED_FROM, days - 1);
  const series = new Map<string, DailyCredits[]>();
  for (const wh of DEMO_WAREHOUSES) {
    series.set(
      `${wh.account}.${wh.name}`,
      eachDay(LABELLED_FROM, to).map((day) => ({
        day,
        credits: demoHourlyRows(wh, day, seed).reduce((s, r) => s + r.creditsUsed, 0),
      })),
    );
  }
  const labels = demoAnomalyLabels(LABELLED_FROM, to, seed).map((l) => ({
    warehouse: l.warehouse,
    day: l.day,
    kind: l.kind,
  }));
  return { name: 'demo', series, labels, levelShifts: [], holidays: new Set(), holidayWarehouses: new Set() };
}

async function main(): Promise<void> {
  const warehouses = Number(arg('warehouses', '200'));
  const days = Number(arg('days', '730'));
  const seed = Number(arg('seed', '42'));
  const retrainEvery = Number(arg('retrain-every', '7'));
  const withPython = !process.argv.includes('--no-python');
  if (days < RANGE_DAYS + 14) throw new Error(`--days must be at least ${RANGE_DAYS + 14}`);

  const to = addDays(LABELLED_FROM, days - 1);
  const from = addDays(to, 1 - RANGE_DAYS);
  const code = codeVersion();
  const settings: BacktestSettings = {
    from,
    to,
    trainingDays: TRAINING_DAYS,
    minTrainingDays: MIN_TRAINING_DAYS,
    retrainEveryDays: retrainEvery,
    windowDays: WINDOW_DAYS,
    params: DEFAULT_DETECTOR_PARAMS,
    seed,
  };

  log(`generating the labelled organisation: ${warehouses} warehouses × ${days} days (seed ${seed})`);
  let started = performance.now();
  const org = labelledOrg(warehouses, days, seed);
  const generateSeconds = (performance.now() - started) / 1000;
  const data: Dataset = {
    name: 'labelled',
    series: org.series,
    labels: org.labels,
    levelShifts: org.levelShifts,
    holidays: new Set(org.holidays),
    holidayWarehouses: new Set(org.warehouses.filter((w) => w.weekdayHeavy).map((w) => w.name)),
  };
  const rssAfterGenerateMB = mb(process.resourceUsage().maxRSS);
  log(`  ${generateSeconds.toFixed(1)} s, ${org.labels.length} labelled days, ${org.levelShifts.length} level shifts`);

  log(`(a) snowpatrol backtest ${from} → ${to}`);
  const snowpatrol = runSnowpatrol(data, settings);
  const rssPeakMB = mb(process.resourceUsage().maxRSS);
  const warehouseYears = (warehouses * RANGE_DAYS) / 365;
  const snowpatrolSeconds = snowpatrol.seconds ?? 0;
  snowpatrol.extra = {
    ...snowpatrol.extra,
    warehousesPerSecond: warehouses / snowpatrolSeconds,
    msPerWarehouseYear: (1000 * snowpatrolSeconds) / warehouseYears,
    rssAfterGenerateMB,
    rssPeakMB,
  };

  log('(b) SnowPatrol method, TS port');
  const port = runPort(data, settings);

  let python: MethodRun | undefined;
  let pythonSkipped: string | undefined;
  if (!withPython) pythonSkipped = '--no-python';
  else {
    const why = pythonUnavailable();
    if (why) pythonSkipped = `skipped: install python3-statsmodels python3-sklearn python3-pandas (${why})`;
    else {
      log(`(c) SnowPatrol method, Python (${PYTHON})`);
      python = await runPython(data, settings);
    }
  }

  const runs = [snowpatrol, port, ...(python ? [python] : [])].map((run) => ({
    run,
    quality: evaluate(data, run, from, to),
  }));
  const events = labelEvents(org.labels.filter((l) => l.day >= from && l.day <= to)).length;
  const shiftsInRange = org.levelShifts.filter((s) => s.day >= from && s.day <= to).length;

  process.stdout.write(
    `\nBacktest ${from} → ${to}: ${warehouses} warehouses × ${RANGE_DAYS} days (${days} days generated, seed ${seed}), ` +
      `retrain every ${retrainEvery} d, ${TRAINING_DAYS} training days; ${events} labelled events, ` +
      `${shiftsInRange} level shifts in range; code ${code.commit}${code.activitiesDirty ? ' + uncommitted changes in activities/' : ''}\n`,
  );
  printResults('Labelled organisation', runs);
  const ratio = python?.seconds && snowpatrolSeconds > 0 ? python.seconds / snowpatrolSeconds : null;
  const portRatio = python?.seconds && port.seconds ? python.seconds / port.seconds : null;
  process.stdout.write(
    `\nsnowpatrol: ${(warehouses / snowpatrolSeconds).toFixed(1)} warehouses/s, ` +
      `${((1000 * snowpatrolSeconds) / warehouseYears).toFixed(1)} ms per warehouse-year, peak RSS ${rssPeakMB.toFixed(0)} MB ` +
      `(${rssAfterGenerateMB.toFixed(0)} MB after generating the data)\n`,
  );
  if (python) {
    process.stdout.write(
      `speed ratio python / snowpatrol: ${ratio?.toFixed(1)}× (python / TS port of the same method: ${portRatio?.toFixed(1)}×)\n`,
    );
    process.stdout.write(
      `flag agreement (Jaccard) TS port vs Python: ${pct(jaccard(port.flags, python.flags))}; versions ${JSON.stringify(python.extra?.versions)}\n`,
    );
  } else process.stdout.write(`SnowPatrol method, Python: ${pythonSkipped}\n`);

  log('\ndemo organisation (6 warehouses, seed 42), quality only');
  started = performance.now();
  const demo = demoDataset(days, 42);
  const demoSettings = { ...settings, seed: 42 };
  const demoRuns = [runSnowpatrol(demo, demoSettings, true), runPort(demo, demoSettings, true)];
  if (python) demoRuns.push(await runPython(demo, demoSettings));
  const demoEvaluated = demoRuns.map((run) => ({
    run: { ...run, seconds: null },
    quality: evaluate(demo, run, from, to),
  }));
  printResults(`Demo organisation (6 warehouses, seed 42, ${from} → ${to})`, demoEvaluated);
  log(`  ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const file = path.join(__dirname, 'results', `backtest-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const summarise = ({ run, quality }: { run: MethodRun; quality: Evaluation }) => ({
    method: run.method,
    seconds: run.seconds,
    ...run.extra,
    quality,
  });
  const report = {
    code,
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version },
    settings: { warehouses, days, ...settings },
    dataset: {
      generateSeconds,
      labelledDays: org.labels.length,
      labelledDaysByKind: countBy(org.labels.map((l) => l.kind)),
      eventsInRange: events,
      levelShifts: org.levelShifts,
      holidays: org.holidays,
      profiles: countBy(org.warehouses.map((w) => w.profile)),
    },
    results: runs.map(summarise),
    speedRatio: { pythonOverSnowpatrol: ratio, pythonOverTsPort: portRatio },
    python: python ? { jaccardWithTsPort: jaccard(port.flags, python.flags) } : { skipped: pythonSkipped },
    demo: demoEvaluated.map(summarise),
  };
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\nresults: ${path.relative(ROOT, file)}\n`);
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
