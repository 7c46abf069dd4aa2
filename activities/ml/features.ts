/**
 * Point-in-time daily features. The row for day d is computed only from days ≤ d: the decomposition runs on
 * the trailing `windowDays` ending at d (past outliers clipped, see robust-window.ts) and keeps its last point.
 * Training and scoring therefore see the same kind of residual, and no day is ever judged with hindsight.
 */
import type { DailyCredits } from './calendar';
import { seasonalDecompose } from './decompose';
import { movingStats } from './moving-stats';
import { clipPastOutliers } from './robust-window';

/** Weekly seasonality. */
export const PERIOD = 7;
/** Days of the moving mean/std. */
export const SMA_WINDOW = 30;

/** Identifies how features were computed; models record it and refuse features of another version. */
export function featureVersion(windowDays: number): string {
  return `pit-w${windowDays}-p${PERIOD}-robust-v1`;
}

export interface FeatureRow {
  usageDate: string;
  credits: number;
  trend: number;
  seasonal: number;
  residual: number;
  sma30: number;
  std30: number;
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
    const window = clipPastOutliers(credits.slice(Math.max(0, i + 1 - windowDays), i + 1), PERIOD);
    const d = seasonalDecompose(window, PERIOD);
    const last = window.length - 1;
    rows.push({
      usageDate: series[i].day,
      credits: credits[i],
      trend: d.trend[last],
      seasonal: d.seasonal[last],
      residual: d.residual[last],
      sma30: stats.mean[i],
      std30: stats.std[i],
    });
  }
  return rows;
}
