/**
 * `snowpatrol backtest`: read a source straight into daily series (no database, no Temporal), replay what the
 * nightly runs would have flagged, point in time, and — when labels are known — measure precision and recall
 * beside SnowPatrol's method on the same data.
 */
import { backtestWarehouse } from '../../activities/ml/backtest';
import { DailySeries } from '../../activities/ml/daily-series';
import type { ScoredDay } from '../../activities/ml/detector';
import { evaluateFlags, type DayRef, type Quality } from '../../activities/ml/evaluate';
import { snowpatrolMethodFlags } from '../../activities/ml/snowpatrol-method';
import { readChunks } from '../../activities/read-ahead';
import type { MeteringSource } from '../../activities/sources';
import { detectorParams } from '../../activities/train-activities';
import { addDays, daysBetween } from '../../schemas/dates';
import type { DetectionSettings } from '../../schemas/detection-config';

export interface BacktestRunOptions {
  source: MeteringSource;
  from: string;
  to: string;
  trainingDays: number;
  retrainEveryDays: number;
  detection: DetectionSettings;
  /** Known anomalous warehouse-days (the demo's, or a labels file), for precision and recall. */
  labels?: DayRef[];
  /** Also run SnowPatrol's method on the same data. */
  compare: boolean;
  /** Price of a credit when the source has no billing data. */
  fallbackPrice?: number;
  progress?: (line: string) => void;
}

export interface Flag extends ScoredDay {
  warehouse: string;
}

export interface BacktestRun {
  from: string;
  to: string;
  warehouses: number;
  judgedDays: number;
  unscoredDays: number;
  models: number;
  flags: Flag[];
  quality?: Quality;
  snowpatrolMethod?: { flags: DayRef[]; quality?: Quality };
  seconds: { read: number; backtest: number; snowpatrolMethod?: number };
}

const seconds = (since: number) => (performance.now() - since) / 1000;

/** Run the backtest. History before `from` (training window + decomposition window) is read too. */
export async function runBacktest(opts: BacktestRunOptions): Promise<BacktestRun> {
  const log = opts.progress ?? (() => undefined);
  const { detection } = opts;
  const readFrom = addDays(opts.from, -(opts.trainingDays + detection.windowDays));
  const readStart = performance.now();
  const daily = new DailySeries();
  let rows = 0;
  let lastReport = readStart;
  for await (const chunk of readChunks(opts.source, readFrom, opts.to, 10_000)) {
    for await (const batch of chunk.batches) {
      daily.add(batch);
      rows += batch.length;
    }
    if (performance.now() - lastReport > 2000) {
      log(`  read ${rows.toLocaleString('en-US')} hourly rows (up to ${chunk.to})`);
      lastReport = performance.now();
    }
  }
  const prices = await pricesOf(opts.source, readFrom, opts.to);
  const readSeconds = seconds(readStart);
  log(`read ${rows.toLocaleString('en-US')} hourly rows, ${readFrom} → ${opts.to}, in ${readSeconds.toFixed(1)} s`);

  const settings = {
    from: opts.from,
    to: opts.to,
    trainingDays: opts.trainingDays,
    minTrainingDays: detection.minTrainingDays,
    retrainEveryDays: opts.retrainEveryDays,
    windowDays: detection.windowDays,
    params: detectorParams(detection),
    seed: detection.seed,
  };
  const run: BacktestRun = {
    from: opts.from,
    to: opts.to,
    warehouses: daily.warehouses.length,
    judgedDays: 0,
    unscoredDays: 0,
    models: 0,
    flags: [],
    seconds: { read: readSeconds, backtest: 0 },
  };
  const series = daily.warehouses.map((warehouse) => ({
    warehouse,
    points: daily.series(warehouse, opts.to, { decommissionedAfterDays: detection.decommissionedAfterDays }),
  }));
  const started = performance.now();
  for (const [i, { warehouse, points }] of series.entries()) {
    const account = warehouse.slice(0, warehouse.indexOf('.'));
    const result = backtestWarehouse(warehouse, points, {
      ...settings,
      priceOn: (day) => prices.get(`${account}|${day}`) ?? opts.fallbackPrice,
    });
    run.judgedDays += result.days.length;
    run.unscoredDays += result.unscored;
    run.models += result.models;
    run.flags.push(...result.days.filter((d) => d.isAnomaly).map((d) => ({ warehouse, ...d })));
    if (performance.now() - lastReport > 2000) {
      log(`  backtested ${i + 1}/${series.length} warehouses`);
      lastReport = performance.now();
    }
  }
  run.seconds.backtest = seconds(started);
  log(
    `backtested ${series.length} warehouses × ${daysBetween(opts.from, opts.to) + 1} days ` +
      `(${run.models} models) in ${run.seconds.backtest.toFixed(1)} s`,
  );
  if (opts.labels) run.quality = evaluateFlags(run.flags.map(toRef), opts.labels);

  if (opts.compare) {
    const baselineStart = performance.now();
    const flags = series.flatMap(({ warehouse, points }) =>
      snowpatrolMethodFlags(points, settings).map((day) => ({ warehouse, day })),
    );
    run.seconds.snowpatrolMethod = seconds(baselineStart);
    run.snowpatrolMethod = { flags, quality: opts.labels && evaluateFlags(flags, opts.labels) };
  }
  return run;
}

function toRef(flag: Flag): DayRef {
  return { warehouse: flag.warehouse, day: flag.usageDate };
}

/** account|day → price per credit, from the source's billing data when it has any. */
async function pricesOf(source: MeteringSource, from: string, to: string): Promise<Map<string, number>> {
  const prices = (await source.readCreditPrices?.(from, to)) ?? [];
  return new Map(prices.map((p) => [`${p.account}|${p.usageDate}`, p.pricePerCredit]));
}
