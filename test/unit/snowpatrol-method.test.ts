import type { DailyCredits } from '../../activities/ml/calendar';
import { snowpatrolMethodFlags, type BaselineSettings } from '../../activities/ml/snowpatrol-method';
import { addDays, eachDay } from '../../schemas/dates';
import { point, warehouseSeries } from '../fixtures/series';

/** A Monday; the warehouse's history starts here. */
const FIRST_DAY = '2026-01-05';
/** Four weeks judged, after 120 days of history. */
const FROM = addDays(FIRST_DAY, 120);
const TO = addDays(FROM, 27);
/** History up to TO, and 30 days beyond. */
const HISTORY = 178;
const SPIKE_DAY = addDays(FROM, 17); // a Friday

function settings(overrides: Partial<BaselineSettings> = {}): BaselineSettings {
  return { from: FROM, to: TO, trainingDays: 90, retrainEveryDays: 7, seed: 42, ...overrides };
}

/** The ordinary warehouse with 60 credits more on each of `days`. */
function withSpikes(...days: string[]): DailyCredits[] {
  return warehouseSeries(FIRST_DAY, HISTORY).map((p) => (days.includes(p.day) ? point(p.day, p.credits + 60) : p));
}

describe('snowpatrolMethodFlags (SnowPatrol’s method, the baseline)', () => {
  it('flags an obvious spike', () => {
    expect(snowpatrolMethodFlags(withSpikes(SPIKE_DAY), settings())).toContain(SPIKE_DAY);
  });

  it('also flags small wobbles of an ordinary warehouse: it has no minimum size', () => {
    const flags = snowpatrolMethodFlags(warehouseSeries(FIRST_DAY, HISTORY), settings());
    expect(flags.length).toBeGreaterThan(0);
    expect(flags).not.toContain(SPIKE_DAY);
  });

  it('returns only days from `from` to `to`, in order, though spikes lie just outside', () => {
    const before = addDays(FROM, -5);
    const after = addDays(TO, 3);
    const series = withSpikes(before, SPIKE_DAY, after);

    const flags = snowpatrolMethodFlags(series, settings());
    const inRange = new Set(eachDay(FROM, TO));
    for (const day of flags) expect(inRange.has(day)).toBe(true);
    expect(flags).toEqual([...flags].sort());
    expect(flags).toContain(SPIKE_DAY);
    expect(flags).not.toContain(before);
    expect(flags).not.toContain(after);

    // a wider range does flag them
    const wider = snowpatrolMethodFlags(series, settings({ from: addDays(FROM, -10), to: addDays(TO, 10) }));
    expect(wider).toEqual(expect.arrayContaining([before, SPIKE_DAY, after]));
  });

  it('is deterministic: the same series and seed give the same flags', () => {
    const series = withSpikes(SPIKE_DAY);
    expect(snowpatrolMethodFlags(series, settings())).toEqual(snowpatrolMethodFlags(series, settings()));
  });
});
