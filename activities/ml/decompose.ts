/**
 * Additive seasonal decomposition with the same arithmetic as statsmodels'
 * `seasonal_decompose(x, model="additive", period=p, two_sided=True, extrapolate_trend="freq")`:
 * centred moving-average trend, trend ends extrapolated linearly from the nearest `p` trend points,
 * seasonal = mean detrended value per position in the cycle (centred on zero), residual = the rest.
 */

export interface Decomposition {
  trend: number[];
  seasonal: number[];
  residual: number[];
}

/** Decompose `x` (no missing values) with the given period; needs at least two full periods. */
export function seasonalDecompose(x: readonly number[], period: number): Decomposition {
  if (!Number.isInteger(period) || period < 2) throw new RangeError(`period must be an integer ≥ 2, got ${period}`);
  if (x.length < 2 * period) {
    throw new RangeError(`need at least ${2 * period} observations for period ${period}, got ${x.length}`);
  }
  if (x.some((v) => !Number.isFinite(v))) throw new RangeError('series contains a missing or infinite value');
  const trend = centredMovingAverage(x, period);
  extrapolateTrend(trend, period); // statsmodels: extrapolate_trend="freq" is period - 1, fitted over that + 1 points
  const detrended = x.map((v, i) => v - trend[i]);
  const averages: number[] = [];
  for (let i = 0; i < period; i++) {
    let sum = 0;
    let n = 0;
    for (let j = i; j < detrended.length; j += period) {
      sum += detrended[j];
      n++;
    }
    averages.push(sum / n);
  }
  const centre = averages.reduce((a, b) => a + b, 0) / period;
  const cycle = averages.map((a) => a - centre);
  const seasonal = x.map((_, i) => cycle[i % period]);
  const residual = detrended.map((d, i) => d - seasonal[i]);
  return { trend, seasonal, residual };
}

/** statsmodels' two-sided filter: weights 1/p (odd p) or [½, 1, …, 1, ½]/p (even p); NaN where it does not fit. */
function centredMovingAverage(x: readonly number[], period: number): number[] {
  const weights =
    period % 2 === 0
      ? [0.5, ...new Array<number>(period - 1).fill(1), 0.5].map((w) => w / period)
      : new Array<number>(period).fill(1 / period);
  const half = Math.floor(weights.length / 2);
  const out = new Array<number>(x.length).fill(NaN);
  for (let i = half; i < x.length - half; i++) {
    let s = 0;
    for (let k = 0; k < weights.length; k++) s += weights[k] * x[i - half + k];
    out[i] = s;
  }
  return out;
}

/** Least-squares line through (xs, ys): [slope, intercept]. */
function fitLine(xs: number[], ys: number[]): [number, number] {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return [slope, my - slope * mx];
}

/**
 * Replace the NaN ends of `trend` in place, as statsmodels' `_extrapolate_trend` does: the front from a line
 * through trend[front, front + n), the back from a line through trend[back - n, back) — note: not including
 * the last defined point, matching statsmodels exactly.
 */
function extrapolateTrend(trend: number[], npoints: number): void {
  const front = trend.findIndex((v) => !Number.isNaN(v));
  let back = trend.length - 1;
  while (Number.isNaN(trend[back])) back--;
  const frontLast = Math.min(front + npoints, back);
  const backFirst = Math.max(front, back - npoints);
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

  const fx = range(front, frontLast);
  const [k1, n1] = fitLine(
    fx,
    fx.map((i) => trend[i]),
  );
  for (let i = 0; i < front; i++) trend[i] = k1 * i + n1;

  const bx = range(backFirst, back);
  const [k2, n2] = fitLine(
    bx,
    bx.map((i) => trend[i]),
  );
  for (let i = back + 1; i < trend.length; i++) trend[i] = k2 * i + n2;
}
