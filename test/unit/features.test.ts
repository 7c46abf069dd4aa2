import { featureVersion, pointInTimeFeatures } from '../../activities/ml/features';
import { addDays } from '../../schemas/dates';
import { point, warehouseSeries } from '../fixtures/series';

const FIRST_DAY = '2026-08-03';

describe('pointInTimeFeatures', () => {
  it('judges day d without hindsight: 30 more days (with a huge spike) change nothing up to d', () => {
    const d = addDays(FIRST_DAY, 50);
    const upToD = warehouseSeries(FIRST_DAY, 51);
    const extended = warehouseSeries(FIRST_DAY, 81);
    extended[55] = point(extended[55].day, 5000);
    expect(extended.slice(0, 51)).toEqual(upToD); // same history, only the future differs

    const seenThen = pointInTimeFeatures(upToD, FIRST_DAY, 28);
    const seenLater = pointInTimeFeatures(extended, FIRST_DAY, 28);

    expect(seenThen[seenThen.length - 1].usageDate).toBe(d);
    expect(seenLater.filter((r) => r.usageDate <= d)).toEqual(seenThen);
    // … while the spike itself does show up on its own day
    const spikeRow = seenLater.find((r) => r.usageDate === extended[55].day);
    expect(spikeRow?.residual).toBeGreaterThan(1000);
  });

  it('gives no row to the first 13 days (a decomposition needs two full weeks)', () => {
    const series = warehouseSeries(FIRST_DAY, 20);
    const rows = pointInTimeFeatures(series, FIRST_DAY, 28);
    expect(rows.map((r) => r.usageDate)).toEqual(series.slice(13).map((p) => p.day));
  });

  it('starts at fromDay when that is later', () => {
    const series = warehouseSeries(FIRST_DAY, 40);
    const rows = pointInTimeFeatures(series, addDays(FIRST_DAY, 35), 28);
    expect(rows.map((r) => r.usageDate)).toEqual(series.slice(35).map((p) => p.day));
  });

  it('splits each day exactly: residual = credits − trend − seasonal, with the day’s own credits', () => {
    const series = warehouseSeries(FIRST_DAY, 60);
    const rows = pointInTimeFeatures(series, FIRST_DAY, 28);
    expect(rows.length).toBe(47);
    for (const row of rows) {
      expect(row.credits).toBe(series.find((p) => p.day === row.usageDate)?.credits);
      expect(Math.abs(row.residual - (row.credits - row.trend - row.seasonal))).toBeLessThan(1e-9);
    }
  });

  it('keeps ordinary days ordinary: the trend stays near the level of 100 credits', () => {
    const rows = pointInTimeFeatures(warehouseSeries(FIRST_DAY, 60), FIRST_DAY, 28);
    for (const row of rows) expect(Math.abs(row.trend - 100)).toBeLessThan(10);
  });

  it('reports the trailing 30-day mean and standard deviation', () => {
    const series = warehouseSeries(FIRST_DAY, 45);
    const rows = pointInTimeFeatures(series, FIRST_DAY, 28);
    const last = rows[rows.length - 1];
    const window = series.slice(15).map((p) => p.credits);
    const mean = window.reduce((s, v) => s + v, 0) / 30;
    const std = Math.sqrt(window.reduce((s, v) => s + (v - mean) ** 2, 0) / 29);
    expect(last.sma30).toBeCloseTo(mean, 9);
    expect(last.std30).toBeCloseTo(std, 9);
  });

  it('refuses a window shorter than two weeks', () => {
    expect(() => pointInTimeFeatures(warehouseSeries(FIRST_DAY, 30), FIRST_DAY, 13)).toThrow(RangeError);
  });
});

describe('featureVersion', () => {
  it('names the window size, so models refuse features computed differently', () => {
    expect(featureVersion(28)).toContain('w28');
    expect(featureVersion(42)).not.toBe(featureVersion(28));
  });
});
