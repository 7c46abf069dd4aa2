import { fillCalendar } from '../../activities/ml/calendar';
import { movingStats } from '../../activities/ml/moving-stats';
import { clipOutliers } from '../../activities/ml/robust-window';
import { linearSeasonal, normalDraws, point, WEEKLY_PROFILE } from '../fixtures/series';

describe('fillCalendar', () => {
  it('fills days without metering with 0 credits, from the first metered day to `to`', () => {
    const filled = fillCalendar([point('2026-11-17', 5), point('2026-11-20', 7)], '2026-11-22');
    expect(filled).toEqual([
      point('2026-11-17', 5),
      point('2026-11-18', 0),
      point('2026-11-19', 0),
      point('2026-11-20', 7),
      point('2026-11-21', 0),
      point('2026-11-22', 0),
    ]);
  });

  it('starts at the earliest metered day even when points arrive out of order', () => {
    const filled = fillCalendar([point('2026-11-19', 2), point('2026-11-18', 1)], '2026-11-19');
    expect(filled).toEqual([point('2026-11-18', 1), point('2026-11-19', 2)]);
  });

  it('ignores points after `to`, so they cannot move the start either', () => {
    expect(fillCalendar([point('2026-11-19', 3), point('2026-11-21', 100)], '2026-11-20')).toEqual([
      point('2026-11-19', 3),
      point('2026-11-20', 0),
    ]);
    expect(fillCalendar([point('2026-11-21', 100)], '2026-11-20')).toEqual([]);
  });

  it('stops a decommissioned warehouse at its last metered day', () => {
    // Last metered on 11-01; by 11-20 it has been silent 19 days.
    const points = [point('2026-10-30', 4), point('2026-10-31', 4), point('2026-11-01', 4)];
    expect(fillCalendar(points, '2026-11-20', { decommissionedAfterDays: 14 }).at(-1)).toEqual(point('2026-11-01', 4));
    // Silent for less than the limit: still running, the quiet days are zeros to judge.
    const quiet = fillCalendar(points, '2026-11-10', { decommissionedAfterDays: 14 });
    expect(quiet.at(-1)).toEqual(point('2026-11-10', 0));
    expect(quiet).toHaveLength(12);
    // Days metered at 0 credits do not count as activity.
    expect(
      fillCalendar([...points, point('2026-11-15', 0)], '2026-11-20', { decommissionedAfterDays: 14 }),
    ).toHaveLength(3);
  });

  it('adds up several points on the same day', () => {
    expect(fillCalendar([point('2026-11-20', 1.5), point('2026-11-20', 2.25)], '2026-11-20')).toEqual([
      point('2026-11-20', 3.75),
    ]);
  });

  it('returns nothing for a warehouse that never ran', () => {
    expect(fillCalendar([], '2026-11-20')).toEqual([]);
  });
});

describe('movingStats', () => {
  // Hand-computed, window 3, sample std (ddof = 1), a partial window at the start (min_periods = 1):
  //   i=0 [2]       mean 2     std 0 (one value)
  //   i=1 [2,4]     mean 3     std √((1+1)/1)       = √2
  //   i=2 [2,4,9]   mean 5     std √((9+1+16)/2)    = √13
  //   i=3 [4,9,1]   mean 14/3  std √((98 − 196/3)/2) = √(49/3)
  const values = [2, 4, 9, 1];

  it('gives the trailing mean, using a shorter window at the start', () => {
    const { mean } = movingStats(values, 3);
    expect(mean).toHaveLength(4);
    expect(mean[0]).toBe(2);
    expect(mean[1]).toBe(3);
    expect(mean[2]).toBe(5);
    expect(mean[3]).toBeCloseTo(14 / 3, 12);
  });

  it('gives the sample standard deviation, 0 for the first value', () => {
    const { std } = movingStats(values, 3);
    expect(std[0]).toBe(0);
    expect(std[1]).toBeCloseTo(Math.SQRT2, 12);
    expect(std[2]).toBeCloseTo(Math.sqrt(13), 12);
    expect(std[3]).toBeCloseTo(Math.sqrt(49 / 3), 12);
  });

  it('is all zeros for a window of one', () => {
    expect(movingStats(values, 1)).toEqual({ mean: values, std: [0, 0, 0, 0] });
  });

  it('rejects a window that is not a positive integer', () => {
    expect(() => movingStats(values, 0)).toThrow(RangeError);
    expect(() => movingStats(values, -2)).toThrow(RangeError);
    expect(() => movingStats(values, 2.5)).toThrow(/window must be a positive integer/);
  });
});

describe('clipOutliers', () => {
  /** Four weeks of a warehouse with a weekly rhythm (level 100, profile ×5) and N(0, 1) noise. */
  function fourWeeks(): number[] {
    const noise = normalDraws(11);
    return linearSeasonal(
      28,
      100,
      0,
      WEEKLY_PROFILE.map((s) => 5 * s),
    ).map((v) => v + noise());
  }

  it('pulls a past spike back near the median of its weekday', () => {
    const window = fourWeeks();
    const spikeAt = 10;
    window[spikeAt] = 1000;
    const sameWeekday = [3, 17, 24].map((j) => window[j]);
    const typical = [...sameWeekday].sort((a, b) => a - b)[1];

    const clipped = clipOutliers(window, 7);

    expect(clipped[spikeAt]).toBeLessThan(typical * 1.2);
    expect(clipped[spikeAt]).toBeGreaterThan(typical * 0.9);
    expect(window[spikeAt]).toBe(1000); // the input is not modified
  });

  it('clips the judged (last) day against the earlier days of its weekday only, so it cannot move its own range', () => {
    const window = fourWeeks();
    const earlier = [6, 13, 20].map((j) => window[j]);
    const median = [...earlier].sort((a, b) => a - b)[1];
    window[27] = 1000;
    const high = clipOutliers(window, 7)[27];
    expect(high).toBeGreaterThan(median);
    expect(high).toBeLessThan(median * 1.25); // the earlier days' range, nowhere near 1000
    window[27] = 0;
    expect(clipOutliers(window, 7)[27]).toBeLessThan(median);
    expect(clipOutliers(window, 7)[27]).toBeGreaterThan(median * 0.8);
  });

  it('leaves an ordinary judged day exactly as it was', () => {
    const window = fourWeeks();
    expect(clipOutliers(window, 7)[27]).toBe(window[27]);
  });

  it('leaves ordinary days exactly as they were', () => {
    const window = fourWeeks();
    window[10] = 1000;
    const clipped = clipOutliers(window, 7);
    clipped.forEach((v, i) => {
      if (i !== 10) expect(v).toBe(window[i]);
    });
  });
});
