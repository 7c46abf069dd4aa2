/** `snowpatrol backtest`: what the nightly runs would have flagged over a range, point in time. */
import { openSource } from '../../activities/sources';
import type { Config } from '../../schemas/config';
import { daysBetween } from '../../schemas/dates';
import type { Directions } from '../../schemas/detection-config';
import { backtestReport, flagsJson } from '../backtest/report';
import { demoLabels, readLabelsFile } from '../backtest/labels';
import { runBacktest } from '../backtest/run';
import { progress } from '../options';

export interface BacktestOptions {
  source: string;
  from: string;
  to: string;
  trainingDays: number;
  retrainEvery: number;
  directions?: Directions;
  labels?: string;
  compare: boolean;
  json: boolean;
}

/** The longest range one backtest replays (ten years). */
export const MAX_BACKTEST_DAYS = 3660;

export async function backtestCommand(config: Config, opts: BacktestOptions): Promise<void> {
  if (opts.from > opts.to) throw new Error(`--from ${opts.from} is after --to ${opts.to}`);
  if (daysBetween(opts.from, opts.to) + 1 > MAX_BACKTEST_DAYS) {
    throw new Error(`--from ${opts.from} → --to ${opts.to} is more than ${MAX_BACKTEST_DAYS} days`);
  }
  const detection = opts.directions
    ? { ...config.detection, filters: { ...config.detection.filters, directions: opts.directions } }
    : config.detection;
  const directions = detection.filters.directions;
  const labels = opts.labels
    ? readLabelsFile(opts.labels, opts.from, opts.to, directions)
    : opts.source === 'demo'
      ? demoLabels(opts.from, opts.to, config.demoSeed, directions)
      : undefined;
  const source = openSource(opts.source, {
    demoSeed: config.demoSeed,
    cwd: process.cwd(),
    snowflake: config.snowflake,
    queryTag: JSON.stringify({ app: 'snowpatrol', command: 'backtest' }),
    warn: progress,
  });
  try {
    const run = await runBacktest({
      source,
      from: opts.from,
      to: opts.to,
      trainingDays: opts.trainingDays,
      retrainEveryDays: opts.retrainEvery,
      detection,
      labels,
      compare: opts.compare,
      fallbackPrice: config.prices.pricePerCredit,
      progress,
    });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(flagsJson(run), null, 2)}\n`);
      return;
    }
    const f = detection.filters;
    const settings =
      `Models retrained every ${opts.retrainEvery} day(s) on ${opts.trainingDays} days; alert when the score passes ` +
      `mean + ${detection.thresholdK}σ and the excess is ≥ ${f.minExcessCredits} credits, ≥ ${Math.round(100 * f.minExcessRatio)}%` +
      (f.minExcessCost > 0 ? `, ≥ ${f.minExcessCost} in money` : '') +
      `; directions: ${f.directions}.`;
    process.stdout.write(`${backtestReport(run, { source: opts.source, settings })}\n`);
  } finally {
    await source.close?.();
  }
}
