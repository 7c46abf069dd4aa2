import { seasonalDecompose } from '../../activities/ml/decompose';
import { linearSeasonal, WEEKLY_PROFILE } from '../fixtures/series';

/** Expects every element of `actual` to be within `tolerance` of `expected`. */
function expectAllClose(actual: readonly number[], expected: readonly number[], tolerance = 1e-9): void {
  expect(actual).toHaveLength(expected.length);
  const worst = Math.max(...actual.map((v, i) => Math.abs(v - expected[i])));
  expect(worst).toBeLessThan(tolerance);
}

describe('seasonalDecompose', () => {
  describe('a straight line plus a weekly pattern (period 7)', () => {
    const a = 50;
    const b = 0.75;
    const x = linearSeasonal(5 * 7 + 3, a, b, WEEKLY_PROFILE);
    const d = seasonalDecompose(x, 7);

    it('recovers the line as the trend, including the extrapolated ends', () => {
      expectAllClose(
        d.trend,
        x.map((_, i) => a + b * i),
      );
    });

    it('recovers the weekly pattern as the seasonal component', () => {
      expectAllClose(
        d.seasonal,
        x.map((_, i) => WEEKLY_PROFILE[i % 7]),
      );
    });

    it('leaves nothing in the residual', () => {
      expectAllClose(
        d.residual,
        x.map(() => 0),
      );
    });
  });

  it('does the same for an even period (4), which uses the ½-weighted centred filter', () => {
    const profile = [2, -1, 3, -4];
    const x = linearSeasonal(4 * 4 + 1, -3, 2, profile);
    const d = seasonalDecompose(x, 4);
    expectAllClose(
      d.trend,
      x.map((_, i) => -3 + 2 * i),
    );
    expectAllClose(
      d.seasonal,
      x.map((_, i) => profile[i % 4]),
    );
    expectAllClose(
      d.residual,
      x.map(() => 0),
    );
  });

  it('uses the centred 7-point mean as the trend of the middle points', () => {
    const x = Array.from({ length: 14 }, (_, i) => i + 1); // 1 … 14
    const { trend } = seasonalDecompose(x, 7);
    expect(trend[3]).toBeCloseTo((1 + 2 + 3 + 4 + 5 + 6 + 7) / 7, 12); // 4
    expect(trend[10]).toBeCloseTo((8 + 9 + 10 + 11 + 12 + 13 + 14) / 7, 12); // 11
  });

  it('averages a curved series over the centred window (i² → i² + 4 for period 7, i² + 1.5 for period 4)', () => {
    const squares = Array.from({ length: 21 }, (_, i) => i * i);
    // mean of (i+k)² for k = −3…3 is i² + (9+4+1+0+1+4+9)/7 = i² + 4
    expect(seasonalDecompose(squares, 7).trend[10]).toBeCloseTo(104, 12);
    // (½(i−2)² + (i−1)² + i² + (i+1)² + ½(i+2)²)/4 = i² + (2+1+0+1+2)/4 = i² + 1.5
    expect(seasonalDecompose(squares, 4).trend[10]).toBeCloseTo(101.5, 12);
  });

  it('always splits the series exactly: x = trend + seasonal + residual, seasonal summing to 0 over a period', () => {
    const x = [5, 9, 2, 8, 1, 0, 3, 7, 7, 4, 6, 2, 9, 1, 5, 3];
    const d = seasonalDecompose(x, 7);
    expectAllClose(
      x.map((_, i) => d.trend[i] + d.seasonal[i] + d.residual[i]),
      x,
    );
    expect(Math.abs(d.seasonal.slice(0, 7).reduce((s, v) => s + v, 0))).toBeLessThan(1e-9);
  });

  it('refuses a series shorter than two periods', () => {
    expect(() => seasonalDecompose(linearSeasonal(13, 1, 0, WEEKLY_PROFILE), 7)).toThrow(RangeError);
    expect(() => seasonalDecompose(linearSeasonal(13, 1, 0, WEEKLY_PROFILE), 7)).toThrow(/at least 14/);
    expect(() => seasonalDecompose(linearSeasonal(14, 1, 0, WEEKLY_PROFILE), 7)).not.toThrow();
  });

  it('refuses missing or infinite values', () => {
    const x = linearSeasonal(21, 10, 0, WEEKLY_PROFILE);
    x[5] = NaN;
    expect(() => seasonalDecompose(x, 7)).toThrow(RangeError);
    x[5] = Infinity;
    expect(() => seasonalDecompose(x, 7)).toThrow(/missing or infinite/);
  });

  it('refuses a period below 2', () => {
    expect(() => seasonalDecompose([1, 2, 3, 4], 1)).toThrow(RangeError);
  });
});
