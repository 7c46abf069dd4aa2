/**
 * Keeps anomalies from distorting the expected spend. Before a trailing window is decomposed, each day is
 * clipped to its weekday's median ± max(3 robust σ, 15 % of the median, 0.5 credits), where the robust σ is
 * 1.4826 × the median absolute deviation of the same weekday in the window. The judged (last) day is clipped
 * against its weekday's *earlier* days only, so it cannot pull its own expected value towards itself: a runaway
 * day is measured against what the weeks before it predict. Without this, one runaway day skews the trend and
 * the weekly profile for four weeks, hiding real anomalies and inventing others.
 */

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A copy of `window` with every value clipped towards its cycle position's median (see above). */
export function clipOutliers(window: readonly number[], period: number): number[] {
  const n = window.length;
  const out = [...window];
  for (let phase = 0; phase < period; phase++) {
    const idx: number[] = [];
    for (let j = n - 1 - phase; j >= 0; j -= period) idx.push(j);
    // Phase 0 holds the judged day (idx[0]); its range comes from the earlier days of its weekday.
    const reference = phase === 0 && idx.length > 1 ? idx.slice(1) : idx;
    const values = reference.map((j) => window[j]);
    const med = median(values);
    const sigma = 1.4826 * median(values.map((v) => Math.abs(v - med)));
    const limit = Math.max(3 * sigma, 0.15 * Math.abs(med), 0.5);
    for (const j of idx) out[j] = Math.min(med + limit, Math.max(med - limit, window[j]));
  }
  return out;
}
