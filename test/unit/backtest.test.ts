import { backtestWarehouse, type BacktestSettings } from '../../activities/ml/backtest';
import type { DailyCredits } from '../../activities/ml/calendar';
import type { Directions } from '../../activities/ml/detect';
import { DEFAULT_DETECTOR_PARAMS } from '../../activities/ml/detector';
import { addDays, eachDay } from '../../schemas/dates';
import { point, warehouseSeries } from '../fixtures/series';

/** A Monday; the warehouse's history starts here. */
const FIRST_DAY = '2026-01-05';
/** Four weeks judged (a Tuesday on), after 120 days of history. */
const FROM = addDays(FIRST_DAY, 120);
const TO = addDays(FROM, 27);
/** Days of history up to and including TO. */
const HISTORY = 148;

/** Nightly-run settings over FROM … TO: 90 training days, weekly retraining, the default detector. */
function settings(overrides: Partial<BacktestSettings> = {}): BacktestSettings {
  return {
    from: FROM,
    to: TO,
    trainingDays: 90,
    minTrainingDays: 28,
    retrainEveryDays: 7,
    windowDays: 28,
    params: DEFAULT_DETECTOR_PARAMS,
    seed: 42,
    ...overrides,
  };
}

/** The default detector, alerting in the given directions. */
function alerting(directions: Directions): Pick<BacktestSettings, 'params'> {
  return { params: { ...DEFAULT_DETECTOR_PARAMS, filters: { ...DEFAULT_DETECTOR_PARAMS.filters, directions } } };
}

/** `series` with `delta` credits added on `day`. */
function shifted(series: readonly DailyCredits[], day: string, delta: number): DailyCredits[] {
  return series.map((p) => (p.day === day ? point(p.day, p.credits + delta) : p));
}

const flaggedDays = (result: ReturnType<typeof backtestWarehouse>) =>
  result.days.filter((d) => d.isAnomaly).map((d) => d.usageDate);

describe('backtestWarehouse', () => {
  it('judges every day of the range once, in order', () => {
    const result = backtestWarehouse('ACME.ETL_WH', warehouseSeries(FIRST_DAY, HISTORY), settings());
    expect(result.warehouse).toBe('ACME.ETL_WH');
    expect(result.days.map((d) => d.usageDate)).toEqual(eachDay(FROM, TO));
    expect(result.unscored).toBe(0);
  });

  it('flags nothing on an ordinary warehouse', () => {
    const result = backtestWarehouse('W', warehouseSeries(FIRST_DAY, HISTORY), settings());
    expect(flaggedDays(result)).toEqual([]);
  });

  it('is point in time: 60 more days of data (with a huge spike) change nothing already judged', () => {
    const series = warehouseSeries(FIRST_DAY, HISTORY);
    const later = warehouseSeries(FIRST_DAY, HISTORY + 60);
    later[HISTORY + 10] = point(later[HISTORY + 10].day, 5000);
    expect(later.slice(0, HISTORY)).toEqual(series); // same past, only the future differs

    const then = backtestWarehouse('W', series, settings());
    const now = backtestWarehouse('W', later, settings({ to: addDays(TO, 60) }));

    expect(now.days.filter((d) => d.usageDate <= TO)).toEqual(then.days);
    // … while the later run did see the future, spike included
    expect(now.days).toHaveLength(then.days.length + 60);
    expect(flaggedDays(now)).toContain(later[HISTORY + 10].day);
  });

  it('ignores data after `to`', () => {
    const series = warehouseSeries(FIRST_DAY, HISTORY);
    const withFuture = shifted(warehouseSeries(FIRST_DAY, HISTORY + 10), addDays(TO, 1), 5000);
    expect(backtestWarehouse('W', withFuture, settings())).toEqual(backtestWarehouse('W', series, settings()));
  });

  it('retrains every retrainEveryDays: 4 models over 4 weeks weekly, 28 daily', () => {
    const series = warehouseSeries(FIRST_DAY, HISTORY);
    const weekly = backtestWarehouse('W', series, settings({ retrainEveryDays: 7 }));
    const daily = backtestWarehouse('W', series, settings({ retrainEveryDays: 1 }));
    expect(weekly.models).toBe(4);
    expect(daily.models).toBe(28);
    // a weekly model judges its whole week against one threshold
    const weeks = [0, 7, 14, 21].map((start) => new Set(weekly.days.slice(start, start + 7).map((d) => d.threshold)));
    for (const week of weeks) expect(week.size).toBe(1);
  });

  it('leaves days unscored until a retraining finds minTrainingDays of history', () => {
    // A warehouse created 20 days before FROM: its first features (two weeks in) start 7 days before FROM, so
    // the weekly retrainings find 7, 14, 21 and then 28 usable days.
    const young = warehouseSeries(addDays(FROM, -20), 48);
    const result = backtestWarehouse('NEW_WH', young, settings());
    expect(result.unscored).toBe(21);
    expect(result.models).toBe(1);
    expect(result.days.map((d) => d.usageDate)).toEqual(eachDay(addDays(FROM, 21), TO));
    // with a lower bar it is judged from the first day
    const eager = backtestWarehouse('NEW_WH', young, settings({ minTrainingDays: 7 }));
    expect(eager.unscored).toBe(0);
    expect(eager.models).toBe(4);
  });

  it('trains without excluded days, which changes the model but not which days are judged', () => {
    // An 80-credit runaway 13 days before FROM, in the first model's training window, that feedback called expected.
    const runaway = addDays(FROM, -13);
    const series = shifted(warehouseSeries(FIRST_DAY, HISTORY), runaway, 80);
    const kept = backtestWarehouse('W', series, settings());
    const excluded = backtestWarehouse('W', series, settings({ excludedFromTraining: new Set([runaway]) }));

    expect(excluded.days.map((d) => d.usageDate)).toEqual(kept.days.map((d) => d.usageDate));
    expect(excluded.models).toBe(kept.models);
    expect(excluded.days[0].threshold).not.toBe(kept.days[0].threshold);
    // excluding a day the series does not contain changes nothing
    const noop = backtestWarehouse('W', series, settings({ excludedFromTraining: new Set(['1999-01-01']) }));
    expect(noop).toEqual(kept);
  });

  describe('an injected anomaly on a Friday', () => {
    const friday = addDays(FROM, 17);
    const ordinary = warehouseSeries(FIRST_DAY, HISTORY);

    it('flags a spike of 60 credits as a spike, and nothing else', () => {
      const result = backtestWarehouse('W', shifted(ordinary, friday, 60), settings());
      expect(flaggedDays(result)).toEqual([friday]);
      const verdict = result.days.find((d) => d.usageDate === friday);
      expect(verdict).toMatchObject({ isAnomaly: true, direction: 'spike' });
      expect(verdict?.excessCredits).toBeGreaterThan(40);
      expect(verdict?.score).toBeGreaterThan(verdict?.threshold ?? Infinity);
    });

    it('does not flag a drop of 60 credits under the default filters (spikes only)', () => {
      const result = backtestWarehouse('W', shifted(ordinary, friday, -60), settings());
      expect(flaggedDays(result)).toEqual([]);
      expect(result.days.find((d) => d.usageDate === friday)).toMatchObject({
        isAnomaly: false,
        direction: 'drop',
        suppressedBy: 'direction',
      });
    });

    it('flags the same drop, as a drop, when alerting in both directions', () => {
      const result = backtestWarehouse('W', shifted(ordinary, friday, -60), settings(alerting('both')));
      expect(flaggedDays(result)).toEqual([friday]);
      expect(result.days.find((d) => d.usageDate === friday)).toMatchObject({ isAnomaly: true, direction: 'drop' });
    });

    it('prices the excess when the price of a credit is known', () => {
      const result = backtestWarehouse('W', shifted(ordinary, friday, 60), settings({ priceOn: () => 3 }));
      const verdict = result.days.find((d) => d.usageDate === friday);
      expect(verdict?.excessCost).toBeCloseTo(3 * (verdict?.excessCredits ?? NaN), 9);
    });
  });

  it('is reproducible: two runs give the same result', () => {
    const series = shifted(warehouseSeries(FIRST_DAY, HISTORY), addDays(FROM, 17), 60);
    expect(backtestWarehouse('W', series, settings())).toEqual(backtestWarehouse('W', series, settings()));
  });
});
