import {
  explainAnomaly,
  referenceDaysFor,
  sameCauses,
  type AnomalyToExplain,
  type DimensionCost,
} from '../../activities/attribution/explain';

const DAY = '2026-11-18'; // a Wednesday
const REFERENCE = ['2026-11-11', '2026-11-04', '2026-10-28', '2026-10-21'];

/** A day's costs of one warehouse: { dimension: { value: credits } }. */
function day(usageDate: string, costs: Record<string, Record<string, number>>): DimensionCost[] {
  return Object.entries(costs).flatMap(([dimension, values]) =>
    Object.entries(values).map(([value, credits]) => ({ usageDate, dimension, value, credits })),
  );
}

/** A usual Wednesday: the nightly ETL and dbt, two users, two query shapes. */
const usual = (usageDate: string) =>
  day(usageDate, {
    query_tag: { 'airflow:daily_sales.load_orders': 20, 'dbt:orders': 10 },
    user: { AIRFLOW_SVC: 20, DBT_SVC: 10 },
    query_hash: { h_load: 20, h_orders: 10 },
  });

const spike: AnomalyToExplain = {
  id: 7,
  warehouse: 'ACME_PROD.ETL_WH',
  usageDate: DAY,
  excessCredits: 100,
  direction: 'spike',
};

/** The anomalous day: a backfill nobody ran before (90 credits) and the dbt model grown by 10. */
const anomalousDay = day(DAY, {
  query_tag: { 'airflow:daily_sales.load_orders': 20, 'dbt:orders': 20, 'airflow:adhoc_backfill.reload_orders': 90 },
  user: { AIRFLOW_SVC: 20, DBT_SVC: 20, BACKFILL_SVC: 90 },
  query_hash: { h_load: 20, h_orders: 20, h_backfill: 90 },
});

const explainedAt = new Date('2026-11-19T09:00:00Z');

describe('referenceDaysFor', () => {
  it('is the same weekday of the four weeks before, latest first', () => {
    expect(referenceDaysFor(DAY)).toEqual(REFERENCE);
  });
});

describe('explainAnomaly', () => {
  const idle = new Map([
    [DAY, 12],
    ['2026-11-11', 4],
    ['2026-11-04', 6],
  ]);

  it('names the new workload first with its share of the excess, then the one that grew, in every dimension', () => {
    const causes = explainAnomaly({
      anomaly: spike,
      method: 'reported',
      referenceDays: REFERENCE,
      costs: [...anomalousDay, ...REFERENCE.flatMap(usual)],
      idle,
      explainedAt,
    });
    expect(causes?.byDimension.query_tag).toEqual([
      {
        value: 'airflow:adhoc_backfill.reload_orders',
        credits: 90,
        usualCredits: 0,
        growth: 90,
        shareOfExcess: 0.9,
        kind: 'new',
      },
      { value: 'dbt:orders', credits: 20, usualCredits: 10, growth: 10, shareOfExcess: 0.1, kind: 'grown' },
    ]);
    expect(causes?.byDimension.user.map((c) => [c.value, c.kind])).toEqual([
      ['BACKFILL_SVC', 'new'],
      ['DBT_SVC', 'grown'],
    ]);
    expect(causes?.byDimension.query_hash[0]).toMatchObject({ value: 'h_backfill', shareOfExcess: 0.9 });
    expect(causes).toMatchObject({
      method: 'reported',
      explainedAt: '2026-11-19T09:00:00.000Z',
      referenceDays: REFERENCE,
      // Idle averaged over the reference days, a day without idle counting 0.
      idle: { credits: 12, usualCredits: 2.5 },
    });
  });

  it('compares only with the reference days that were attributed', () => {
    // Only one reference day attributed, on which the backfill did run: it is "grown", against that day alone.
    const withBackfill = day('2026-11-11', { query_tag: { 'airflow:adhoc_backfill.reload_orders': 30 } });
    const causes = explainAnomaly({
      anomaly: spike,
      method: 'execution-time',
      referenceDays: ['2026-11-11'],
      costs: [...anomalousDay, ...withBackfill, ...usual('2026-11-04')],
      idle,
      explainedAt,
    });
    expect(causes?.byDimension.query_tag[0]).toMatchObject({
      value: 'airflow:adhoc_backfill.reload_orders',
      usualCredits: 30,
      growth: 60,
      kind: 'grown',
    });
    expect(causes?.referenceDays).toEqual(['2026-11-11']);
    expect(causes?.idle.usualCredits).toBe(4);
  });

  it('with no attributed reference day, everything on the day is new', () => {
    const causes = explainAnomaly({
      anomaly: spike,
      method: 'reported',
      referenceDays: [],
      costs: anomalousDay,
      idle: new Map(),
      explainedAt,
    });
    expect(causes?.byDimension.query_tag.map((c) => c.kind)).toEqual(['new', 'new', 'new']);
    expect(causes?.idle).toEqual({ credits: 0, usualCredits: 0 });
  });

  it('gives a drop no causes', () => {
    const input = {
      method: 'reported' as const,
      referenceDays: REFERENCE,
      costs: [...anomalousDay, ...REFERENCE.flatMap(usual)],
      idle,
      explainedAt,
    };
    expect(explainAnomaly({ ...input, anomaly: { ...spike, direction: 'drop', excessCredits: -40 } })).toBeNull();
    expect(explainAnomaly({ ...input, anomaly: { ...spike, excessCredits: 0 } })).toBeNull();
  });
});

describe('sameCauses', () => {
  const input = {
    anomaly: spike,
    method: 'reported' as const,
    referenceDays: REFERENCE,
    costs: [...anomalousDay, ...REFERENCE.flatMap(usual)],
    idle: new Map([[DAY, 3]]),
    explainedAt,
  };

  it('ignores when they were computed and key order (as jsonb returns them), not what they say', () => {
    const a = explainAnomaly(input);
    const later = explainAnomaly({ ...input, explainedAt: new Date('2026-11-20T00:00:00Z') });
    expect(sameCauses(a, later)).toBe(true);
    const { method, explainedAt: when, referenceDays, byDimension, idle } = later!;
    const reordered = {
      idle: { usualCredits: idle.usualCredits, credits: idle.credits },
      byDimension,
      referenceDays,
      explainedAt: when,
      method,
    };
    expect(sameCauses(a, reordered)).toBe(true);
    expect(sameCauses(a, explainAnomaly({ ...input, idle: new Map([[DAY, 4]]) }))).toBe(false);
    expect(sameCauses(a, null)).toBe(false);
    expect(sameCauses(null, null)).toBe(true);
  });
});
