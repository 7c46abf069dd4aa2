/** Trailing moving statistics, as pandas `rolling(window, min_periods=1)` computes them. */

export interface MovingStats {
  mean: number[];
  /** Sample standard deviation (ddof = 1); 0 where the window holds fewer than two values. */
  std: number[];
}

/** Trailing mean and standard deviation over the last `window` values at each position. */
export function movingStats(values: readonly number[], window: number): MovingStats {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
  const mean: number[] = [];
  const std: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const start = Math.max(0, i - window + 1);
    const n = i - start + 1;
    let sum = 0;
    for (let j = start; j <= i; j++) sum += values[j];
    const m = sum / n;
    let ss = 0;
    for (let j = start; j <= i; j++) ss += (values[j] - m) ** 2;
    mean.push(m);
    std.push(n > 1 ? Math.sqrt(ss / (n - 1)) : 0);
  }
  return { mean, std };
}
