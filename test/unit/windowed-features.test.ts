/**
 * A nightly run reads only the weeks its features depend on. The features it computes must be exactly the ones
 * computed over the whole history — for steady warehouses, new ones, ones idle for weeks, and decommissioned ones.
 */
import { fillCalendar, fillCalendarFrom, type DailyCredits, type MeteredSpan } from '../../activities/ml/calendar';
import { featureLookbackDays, pointInTimeFeatures } from '../../activities/ml/features';
import { addDays, eachDay } from '../../schemas/dates';

const WINDOW = 28;
const DECOMMISSIONED_AFTER = 30;
const TO = '2026-06-30';

/** Metered days of a warehouse: a weekly rhythm with noise, and gaps where `idle(day)` says so. */
function history(first: string, last: string, idle: (day: string, i: number) => boolean = () => false): DailyCredits[] {
  return eachDay(first, last).flatMap((day, i) =>
    idle(day, i) ? [] : [{ day, credits: 20 + 10 * Math.sin(i * 0.9) + (i % 7 === 5 ? 30 : 0) + ((i * 37) % 11) / 3 }],
  );
}

function spanOf(points: readonly DailyCredits[]): MeteredSpan {
  const active = points.filter((p) => p.credits > 0).map((p) => p.day);
  return { first: points[0].day, lastActive: active.length ? active[active.length - 1] : null };
}

function featuresBothWays(points: DailyCredits[], from: string) {
  const options = { decommissionedAfterDays: DECOMMISSIONED_AFTER };
  const whole = pointInTimeFeatures(fillCalendar(points, TO, options), from, WINDOW);
  const start = addDays(from, -featureLookbackDays(WINDOW, DECOMMISSIONED_AFTER));
  const read = points.filter((p) => p.day >= start && p.day <= TO);
  const windowed = pointInTimeFeatures(fillCalendarFrom(read, spanOf(points), start, TO, options), from, WINDOW);
  return { whole, windowed };
}

describe.each([
  ['a steady warehouse metered for two years', history('2024-07-01', TO)],
  ['a warehouse that started five weeks ago', history('2026-05-26', TO)],
  ['a warehouse that started two days ago', history('2026-06-29', TO)],
  [
    'a warehouse idle for the six weeks before the run',
    history('2025-01-01', TO, (d) => d >= '2026-05-01' && d < '2026-06-12'),
  ],
  ['a warehouse that runs every other week', history('2025-01-01', TO, (_, i) => Math.floor(i / 7) % 2 === 1)],
  ['a warehouse silent since April (decommissioned)', history('2025-01-01', '2026-04-10')],
  ['a warehouse silent for 25 days (not yet decommissioned)', history('2025-01-01', '2026-06-05')],
  ['a warehouse that has only ever reported zero', history('2026-01-01', TO).map((p) => ({ ...p, credits: 0 }))],
])('%s', (_, points) => {
  it.each(['2026-06-30', '2026-06-01', '2026-04-02'])(
    'from %s: the same features as from the whole history',
    (from) => {
      const { whole, windowed } = featuresBothWays(points, from);
      expect(windowed).toEqual(whole);
    },
  );
});

test('the comparison is not vacuous: a steady warehouse has features for every day from … to', () => {
  const { whole } = featuresBothWays(history('2024-07-01', TO), '2026-06-01');
  expect(whole.map((f) => f.usageDate)).toEqual(eachDay('2026-06-01', TO));
});

test('the look-back covers the decomposition window, the moving statistics and the decommissioning silence', () => {
  expect(featureLookbackDays(28, 30)).toBe(31);
  expect(featureLookbackDays(28)).toBe(31); // the 30-day moving statistics
  expect(featureLookbackDays(56, 30)).toBe(57);
  expect(featureLookbackDays(28, 90)).toBe(91);
});
