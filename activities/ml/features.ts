/**
 * Point-in-time daily features. The row for day d is computed only from days ≤ d: the decomposition runs on
 * the trailing `windowDays` ending at d, outliers clipped (see robust-window.ts), and keeps its last point as
 * the expected spend (trend + seasonal); the residual is the actual spend minus that expectation. Training and
 * scoring therefore see the same kind of residual, and no day is ever judged with hindsight.
 */
import type { DailyCredits } from './calendar';
import { seasonalDecompose } from './decompose';
import { movingStats } from './moving-stats';
import { clipOutliers, median } from './robust-window';

/** Weekly seasonality. */
export const PERIOD = 7;
/** Days of the moving mean/std. */
export const SMA_WINDOW = 30;

/**
 * Days before `from` that features of days from `from` on depend on: the decomposition window, the moving
 * statistics, a warehouse's first two weeks, and the silence that decommissions it.
 */
export function featureLookbackDays(windowDays: number, decommissionedAfterDays = 0): number {
  return Math.max(windowDays, SMA_WINDOW, 2 * PERIOD, decommissionedAfterDays) + 1;
}

/** Identifies how features were computed; models record it and refuse features of another version. */
export function featureVersion(windowDays: number): string {
  return `pit-w${windowDays}-p${PERIOD}-robust-v2`;
}

export interface FeatureRow {
  usageDate: string;
  credits: number;
  trend: number;
  seasonal: number;
  residual: number;
  sma30: number;
  std30: number;
  /**
   * The typical size of a deviation on this weekday, in credits: max(1.4826 × the median absolute deviation of
   * the earlier same-weekday days in the window, 10 % of expected, 0.5). A 20-credit excess is routine for a
   * Saturday batch that swings by 15 and extraordinary for a weekday that varies by 0.3.
   */
  scale: number;
}

/**
 * Features for every day of a complete calendar `series` from `fromDay` on. Days with fewer than two weeks of
 * history before them get no row (a decomposition needs two full periods).
 */
export function pointInTimeFeatures(
  series: readonly DailyCredits[],
  fromDay: string,
  windowDays: number,
): FeatureRow[] {
  if (windowDays < 2 * PERIOD) throw new RangeError(`windowDays must be at least ${2 * PERIOD}`);
  const credits = series.map((p) => p.credits);
  const stats = movingStats(credits, SMA_WINDOW);
  const rows: FeatureRow[] = [];
  for (let i = 0; i < series.length; i++) {
    if (series[i].day < fromDay || i + 1 < 2 * PERIOD) continue;
    const window = clipOutliers(credits.slice(Math.max(0, i + 1 - windowDays), i + 1), PERIOD);
    const d = seasonalDecompose(window, PERIOD);
    const last = window.length - 1;
    const expected = d.trend[last] + d.seasonal[last];
    rows.push({
      usageDate: series[i].day,
      credits: credits[i],
      trend: d.trend[last],
      seasonal: d.seasonal[last],
      residual: credits[i] - expected,
      sma30: stats.mean[i],
      std30: stats.std[i],
      scale: weekdayScale(window, expected),
    });
  }
  return rows;
}

/** See FeatureRow.scale; `window` is the clipped window whose last day is being judged. */
function weekdayScale(window: readonly number[], expected: number): number {
  const sameWeekday: number[] = [];
  for (let j = window.length - 1 - PERIOD; j >= 0; j -= PERIOD) sameWeekday.push(window[j]);
  const med = median(sameWeekday);
  const mad = median(sameWeekday.map((v) => Math.abs(v - med)));
  return Math.max(1.4826 * mad, 0.1 * Math.abs(expected), 0.5);
}
