import { topContributors } from '../../activities/attribution/root-cause';

const costs = (entries: Record<string, number>) =>
  Object.entries(entries).map(([value, credits]) => ({ value, credits }));

test('a planted runaway workload is the top cause, new, with most of the excess', () => {
  const usualDay = costs({ 'dag=etl': 20, 'dag=reports': 5, 'user=ANALYST': 3 });
  const causes = topContributors({
    day: costs({ 'dag=etl': 21, 'dag=reports': 5, 'user=ANALYST': 3, 'dbt=orders_backfill': 120 }),
    reference: [usualDay, usualDay, usualDay, usualDay],
    excessCredits: 121,
  });
  expect(causes[0]).toEqual({
    value: 'dbt=orders_backfill',
    credits: 120,
    usualCredits: 0,
    growth: 120,
    shareOfExcess: 120 / 121,
    kind: 'new',
  });
  expect(causes[1]).toMatchObject({ value: 'dag=etl', kind: 'grown', growth: 1 });
  expect(causes).toHaveLength(2); // nothing else grew
});

test('a workload that grew is compared with its mean over the reference days (absent days count 0)', () => {
  const [cause] = topContributors({
    day: costs({ 'dag=etl': 50 }),
    reference: [costs({ 'dag=etl': 20 }), costs({}), costs({ 'dag=etl': 10 }), costs({ 'dag=etl': 10 })],
    excessCredits: 40,
  });
  expect(cause).toMatchObject({ value: 'dag=etl', usualCredits: 10, growth: 40, shareOfExcess: 1, kind: 'grown' });
});

test('at most `limit` causes, largest growth first, ties by name', () => {
  const causes = topContributors({
    day: costs({ a: 5, b: 9, c: 9, d: 1 }),
    reference: [],
    excessCredits: 24,
    limit: 3,
  });
  expect(causes.map((c) => c.value)).toEqual(['b', 'c', 'a']);
});

test('no excess (a drop, or nothing over expected) has no causes', () => {
  expect(topContributors({ day: costs({ a: 5 }), reference: [], excessCredits: -3 })).toEqual([]);
  expect(topContributors({ day: costs({ a: 5 }), reference: [], excessCredits: 0 })).toEqual([]);
});
