import fs from 'node:fs';
import path from 'node:path';
import { seasonalDecompose } from '../../activities/ml/decompose';

/** One series and statsmodels' decomposition of it (see test/golden/README.md). */
interface GoldenCase {
  name: string;
  description: string;
  input: number[];
  trend: number[];
  seasonal: number[];
  resid: number[];
}

interface GoldenFile {
  call: string;
  period: number;
  versions: Record<string, string>;
  cases: GoldenCase[];
}

const golden: GoldenFile = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'golden', 'decompose-vectors.json'), 'utf8'),
);

/** Largest absolute difference between `actual` and `expected` (Infinity if a length differs or a value is null). */
function maxAbsError(actual: readonly number[], expected: readonly (number | null)[]): number {
  if (actual.length !== expected.length) return Infinity;
  return Math.max(0, ...actual.map((v, i) => (expected[i] === null ? Infinity : Math.abs(v - expected[i]))));
}

describe('seasonalDecompose against statsmodels golden vectors', () => {
  it('has enough cases, all for period 7, so an empty or truncated file cannot pass', () => {
    expect(golden.period).toBe(7);
    expect(golden.call).toContain('extrapolate_trend="freq"');
    expect(golden.cases.length).toBeGreaterThanOrEqual(6);
  });

  it.each(golden.cases.map((c) => [c.name, c] as const))('matches statsmodels to 1e-9: %s', (_name, c) => {
    const d = seasonalDecompose(c.input, golden.period);
    // Absolute 1e-9, not relative: seasonal and residual sit near zero, where a relative bound means nothing, and
    // even the 12500-credit spike case only carries ~1e-12 of float64 rounding, far inside 1e-9.
    const tolerance = 1e-9;
    expect(maxAbsError(d.trend, c.trend)).toBeLessThanOrEqual(tolerance);
    expect(maxAbsError(d.seasonal, c.seasonal)).toBeLessThanOrEqual(tolerance);
    expect(maxAbsError(d.residual, c.resid)).toBeLessThanOrEqual(tolerance);
  });
});
