import {
  attributeDay,
  creditsPerHourForSize,
  decimalToNano,
  nanoToDecimal,
  toNano,
  type MeteredHour,
} from '../../activities/attribution/attribute-hours';
import { dayTotals, rollUpCosts } from '../../activities/attribution/cost-rollup';
import { mulberry32 } from '../../activities/sources/prng';
import type { QueryCostRecord } from '../../activities/sources/metering-source';

const DAY = '2026-11-18';
const at = (hhmm: string, day = DAY) => new Date(`${day}T${hhmm}:00Z`);

/** A metering row of ACME.ETL_WH (id 7) starting at `hh:00` on DAY. */
function hour(hh: string, credits: number, wh = { account: 'ACME', id: 7, name: 'ETL_WH' }): MeteredHour {
  return {
    account: wh.account,
    warehouseId: wh.id,
    warehouse: `${wh.account}.${wh.name}`,
    startTime: at(`${hh}:00`),
    meteredNano: toNano(credits),
  };
}

let nextId = 0;
/** A query on ACME.ETL_WH executing from … to (HH:MM on DAY unless Dates are given). */
function query(from: string | Date, to: string | Date, extra: Partial<QueryCostRecord> = {}): QueryCostRecord {
  nextId += 1;
  return {
    account: 'ACME',
    warehouseId: 7,
    warehouseName: 'ETL_WH',
    queryId: `q${nextId}`,
    queryTag: '',
    userName: 'ETL_SVC',
    roleName: 'TRANSFORMER',
    queryHash: 'h1',
    executionStart: typeof from === 'string' ? at(from) : from,
    executionEnd: typeof to === 'string' ? at(to) : to,
    ...extra,
  };
}

const partsOf = (result: ReturnType<typeof attributeDay>, queryId: string) =>
  result.parts.filter((p) => p.query.queryId === queryId).map((p) => [new Date(p.hourStartMs).toISOString(), p.nano]);

function expectHoursReconcile(result: ReturnType<typeof attributeDay>) {
  for (const h of result.hours) {
    expect(h.attributedNano + h.idleNano).toBe(h.meteredNano);
    expect(h.idleNano).toBeGreaterThanOrEqual(0);
    const parts = result.parts.filter((p) => p.hourStartMs === h.startTime.getTime() && p.warehouse === h.warehouse);
    expect(parts.reduce((a, p) => a + p.nano, 0)).toBe(h.attributedNano);
  }
}

describe('attributeDay', () => {
  it('spreads a straddling query’s reported credits over the hours it ran in, exactly to the nano-credit', () => {
    // 10:50–11:10: 10 minutes in each hour; 1.000000001 credits cannot halve evenly.
    const straddler = query('10:50', '11:10', { credits: 1.000000001 });
    const result = attributeDay(DAY, [hour('10', 3), hour('11', 3)], [straddler]);
    expect(partsOf(result, straddler.queryId)).toEqual([
      ['2026-11-18T10:00:00.000Z', 500_000_001],
      ['2026-11-18T11:00:00.000Z', 500_000_000],
    ]);
    expect(result.hours.map((h) => [h.attributedNano, h.idleNano, h.queries, h.method])).toEqual([
      [500_000_001, 2_499_999_999, 1, 'reported'],
      [500_000_000, 2_500_000_000, 1, 'reported'],
    ]);
    expectHoursReconcile(result);
    // It counts once for the day, though it has credits in two hours.
    expect(dayTotals(result).queries).toBe(1);
    expect(rollUpCosts(result).find((r) => r.dimension === 'user')).toMatchObject({ nano: 1_000_000_001, queries: 1 });
  });

  it('keeps only the part on the day’s own hours; the rest belongs to the neighbouring day', () => {
    // 23:30 the day before to 00:30: half of 2 credits is yesterday's, and is not counted as unmatched.
    const overnight = query(new Date('2026-11-17T23:30:00Z'), at('00:30'), { credits: 2 });
    const result = attributeDay(DAY, [hour('00', 4)], [overnight]);
    expect(partsOf(result, overnight.queryId)).toEqual([['2026-11-18T00:00:00.000Z', 1_000_000_000]]);
    expect(result.unmatchedQueryParts).toBe(0);
  });

  it('drops and counts a query part on a warehouse-hour metering has no row for', () => {
    const metered = query('09:10', '09:20', { credits: 0.5 });
    const unmetered = query('13:00', '14:30', { credits: 3 }); // 13:00 and 14:00 have no metering
    const otherWarehouse = query('09:00', '09:05', { credits: 1, warehouseId: 8, warehouseName: 'BI_WH' });
    const result = attributeDay(DAY, [hour('09', 2)], [metered, unmetered, otherWarehouse]);
    expect(result.unmatchedQueryParts).toBe(3);
    expect(result.hours).toHaveLength(1);
    expect(result.hours[0]).toMatchObject({ attributedNano: 500_000_000, idleNano: 1_500_000_000, queries: 1 });
    expect(partsOf(result, unmetered.queryId)).toEqual([]);
  });

  it('scales reported credits that add up to more than metering down to it, with no idle', () => {
    // The views are published at different times: queries report 1.5 + 1.5 + 0.000000001 for a 2-credit hour.
    const qs = [query('05:00', '05:20', { credits: 1.5 }), query('05:20', '05:40', { credits: 1.5 })];
    qs.push(query('05:40', '05:41', { credits: 0.000000001 }));
    const result = attributeDay(DAY, [hour('05', 2)], qs);
    expect(result.hours[0]).toMatchObject({ meteredNano: 2e9, attributedNano: 2e9, idleNano: 0 });
    // In proportion to what they reported: the two equal queries get a credit each, give or take the last nano.
    const [a, b, tiny] = qs.map((q) => partsOf(result, q.queryId)[0][1] as number);
    for (const share of [a, b]) expect(Math.abs(share - 1e9)).toBeLessThanOrEqual(1);
    expect(tiny).toBeLessThanOrEqual(1);
    expectHoursReconcile(result);
  });

  it('falls back to execution time when no query reports credits, using the warehouse size for uptime', () => {
    // An X-Small (1 credit/hour) metered 0.5 credits: up 30 minutes; one query executed 15 of them.
    const sized = (size: string | undefined) =>
      attributeDay(DAY, [hour('07', 0.5)], [query('07:10', '07:25', { warehouseSize: size })]).hours[0];
    for (const size of ['X-Small', 'XSMALL', 'x-small']) {
      expect(sized(size)).toMatchObject({
        attributedNano: 250_000_000,
        idleNano: 250_000_000,
        method: 'execution-time',
      });
    }
    // Unknown size: the warehouse is taken to have been up the whole hour, so the query ran a quarter of it.
    expect(sized(undefined)).toMatchObject({ attributedNano: 125_000_000, idleNano: 375_000_000 });
    expect(sized('Gigantic')).toMatchObject({ attributedNano: 125_000_000, idleNano: 375_000_000 });
  });

  it('shares an execution-time hour between overlapping queries by their time in it', () => {
    const long = query('08:00', '08:40', { warehouseSize: 'Small' });
    const short = query('08:20', '08:40', { warehouseSize: 'Small' });
    // Small = 2 credits/hour; 4/3 credits metered → up 40 minutes, all of them busy: nothing idle.
    const result = attributeDay(DAY, [hour('08', 1.333333333)], [long, short]);
    expect(result.hours[0].idleNano).toBe(0);
    expect(partsOf(result, long.queryId)[0][1]).toBe(888_888_889);
    expect(partsOf(result, short.queryId)[0][1]).toBe(444_444_444);
    expectHoursReconcile(result);
  });

  it('counts a query listed twice once', () => {
    const q = query('03:00', '03:30', { credits: 1 });
    const result = attributeDay(DAY, [hour('03', 2)], [q, { ...q }]);
    expect(result.hours[0]).toMatchObject({ attributedNano: 1e9, queries: 1 });
  });

  it('marks hours no query ran in as all idle, under the day’s method', () => {
    const result = attributeDay(DAY, [hour('01', 0.7), hour('02', 1)], [query('02:00', '02:10', { credits: 0.2 })]);
    expect(result.method).toBe('reported');
    expect(result.hours[0]).toMatchObject({ attributedNano: 0, idleNano: 700_000_000, queries: 0, method: 'reported' });
  });
});

describe('creditsPerHourForSize', () => {
  it('reads Snowflake’s size names however they are written', () => {
    expect(creditsPerHourForSize('X-Small')).toBe(1);
    expect(creditsPerHourForSize('XSMALL')).toBe(1);
    expect(creditsPerHourForSize('Medium')).toBe(4);
    expect(creditsPerHourForSize('X-Large')).toBe(16);
    expect(creditsPerHourForSize('2X-Large')).toBe(32);
    expect(creditsPerHourForSize('XXLARGE')).toBe(32);
    expect(creditsPerHourForSize('X4LARGE')).toBe(128);
    expect(creditsPerHourForSize('xxx-large')).toBe(64);
    expect(creditsPerHourForSize('')).toBeUndefined();
    expect(creditsPerHourForSize('huge')).toBeUndefined();
  });
});

describe('nano-credit decimals', () => {
  it('round-trips exact decimal text', () => {
    for (const [text, nano] of [
      ['1234.000000001', 1_234_000_000_001],
      ['0.5', 500_000_000],
      ['7', 7_000_000_000],
      ['-0.000000003', -3],
      ['0', 0],
    ] as const) {
      expect(nanoToDecimal(nano)).toBe(text);
      expect(decimalToNano(text)).toBe(nano);
    }
    expect(decimalToNano('12.345000000')).toBe(12_345_000_000);
    expect(() => decimalToNano('1.0000000001')).toThrow(/at most 9 decimals/);
    expect(() => nanoToDecimal(0.5)).toThrow(/not an exact/);
  });
});

describe('rollUpCosts', () => {
  const TAGS = [
    JSON.stringify({ dag_id: 'daily_sales', task_id: 'load_orders', run_id: 'scheduled__1' }),
    JSON.stringify({ app: 'dbt', node_id: 'model.shop.orders', invocation_id: 'x' }),
    JSON.stringify({ workflowType: 'billingExport', workflowId: 'b-1', activity: 'exportInvoices' }),
    'dashboard=revenue;team=finance',
    'ad hoc notebook',
    '{broken',
    '',
  ];

  /** A busy day on two warehouses: random queries (some straddling, some unmatched), reported or not. */
  function busyDay(seed: number, reported: boolean) {
    const rand = mulberry32(seed);
    const warehouses = [
      { account: 'ACME', id: 7, name: 'ETL_WH' },
      { account: 'ACME', id: 8, name: 'BI_WH' },
    ];
    const hours = warehouses.flatMap((wh) =>
      Array.from({ length: 20 }, (_, h) => hour(String(h + 2).padStart(2, '0'), Math.round(rand() * 8e9) / 1e9, wh)),
    );
    const queries = Array.from({ length: 400 }, (_, i) => {
      const wh = warehouses[i % 2];
      const start = Date.parse(`${DAY}T00:00:00Z`) + Math.floor(rand() * 24 * 3_600_000);
      return query(new Date(start), new Date(start + Math.floor(rand() * 5_400_000)), {
        warehouseId: wh.id,
        warehouseName: wh.name,
        queryTag: TAGS[i % TAGS.length],
        userName: ['ANNA', 'MARK', ''][i % 3],
        roleName: ['ANALYST', 'TRANSFORMER'][i % 2],
        queryHash: `h${i % 11}`,
        credits: reported ? Math.round(rand() * 3e9) / 1e9 : undefined,
        warehouseSize: reported ? undefined : 'Large',
      });
    });
    return attributeDay(DAY, hours, queries);
  }

  it.each([
    ['reported', true],
    ['execution-time', false],
  ])('per warehouse-day, every always-present dimension plus idle adds up to metering exactly (%s)', (_, reported) => {
    const result = busyDay(reported ? 11 : 12, reported);
    expectHoursReconcile(result);
    const rows = rollUpCosts(result);
    for (const warehouse of ['ACME.ETL_WH', 'ACME.BI_WH']) {
      const hours = result.hours.filter((h) => h.warehouse === warehouse);
      const metered = hours.reduce((a, h) => a + h.meteredNano, 0);
      const idle = hours.reduce((a, h) => a + h.idleNano, 0);
      expect(metered).toBeGreaterThan(0);
      for (const dimension of ['query_tag', 'user', 'role', 'query_hash']) {
        const values = rows.filter((r) => r.warehouse === warehouse && r.dimension === dimension);
        expect(values.reduce((a, r) => a + r.nano, 0) + idle).toBe(metered);
      }
    }
    const totals = dayTotals(result);
    expect(totals.attributedNano + totals.idleNano).toBe(totals.meteredNano);
    expect(totals.attributedNano).toBeGreaterThan(0);
  });

  it('names each workload by its tag, and fills the tag-only dimensions only when the tag carries them', () => {
    const result = busyDay(13, true);
    const rows = rollUpCosts(result);
    const values = (dimension: string) =>
      [...new Set(rows.filter((r) => r.dimension === dimension).map((r) => r.value))].sort();
    expect(values('query_tag')).toEqual([
      '(untagged)',
      'ad hoc notebook',
      'airflow:daily_sales.load_orders',
      'dashboard=revenue;team=finance',
      'dbt:orders',
      'temporal:billingExport.exportInvoices',
      '{broken',
    ]);
    expect(values('user')).toEqual(['(unknown)', 'ANNA', 'MARK']);
    expect(values('airflow_dag')).toEqual(['daily_sales']);
    expect(values('airflow_task')).toEqual(['daily_sales.load_orders']);
    expect(values('dbt_model')).toEqual(['orders']);
    expect(values('temporal_workflow_type')).toEqual(['billingExport']);
    expect(values('temporal_activity')).toEqual(['exportInvoices']);
    // A tag-only dimension holds exactly its workload's credits and queries.
    const byTag = rows.find((r) => r.dimension === 'query_tag' && r.value === 'dbt:orders');
    const byModel = rows.find(
      (r) => r.dimension === 'dbt_model' && r.value === 'orders' && r.warehouse === byTag?.warehouse,
    );
    expect(byModel).toMatchObject({ nano: byTag?.nano, queries: byTag?.queries });
  });
});
