/**
 * Cost attribution against the real Postgres: the demo organisation's metering stored as ingest stores it, its
 * queries (with known, tagged workloads) attributed through the activities, and the results checked in SQL over
 * numeric — attributed plus idle is metering to the nano-credit, re-running changes nothing, and the workload
 * planted on a runaway day is named as its anomaly's top cause.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { sql, type SQL } from 'drizzle-orm';
import {
  createAttributionActivities,
  type AttributeHeartbeat,
  type AttributionSummary,
} from '../../activities/attribution-activities';
import { parseQueryTag, workloadLabel } from '../../activities/attribution/query-tag';
import { DEMO_WAREHOUSES, demoAnomalyOn, type DemoWarehouse } from '../../activities/sources/demo-org';
import { demoRunawayWorkload } from '../../activities/sources/demo-queries';
import { createDemoSource } from '../../activities/sources/demo-source';
import { anomalyById, upsertAnomaly } from '../../activities/store/anomaly-store';
import { openDatabase, type Database } from '../../activities/store/database';
import { upsertHourly } from '../../activities/store/metering-store';
import { demoHourlyRows } from '../../activities/sources/demo-org';
import type { AnomalyCauses } from '../../schemas/attribution';
import { addDays, eachDay } from '../../schemas/dates';
import { loadDemoMetering } from '../fixtures/demo-state';
import { insertStubModel, spikeFinding } from '../fixtures/model-version';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';

const SEED = 1;
const ETL: DemoWarehouse = DEMO_WAREHOUSES.find((wh) => wh.name === 'ETL_WH')!;
const ETL_KEY = `${ETL.account}.${ETL.name}`;

/** The first day from `from` on which the demo plants a runaway workload on `wh`. */
function firstRunawayDay(wh: DemoWarehouse, from: string): string {
  for (let day = from; ; day = addDays(day, 1)) if (demoAnomalyOn(wh, day, SEED) === 'runaway') return day;
}

const RUNAWAY_DAY = firstRunawayDay(ETL, '2026-10-20');
const REFERENCE_DAYS = [1, 2, 3, 4].map((weeks) => addDays(RUNAWAY_DAY, -7 * weeks));
/** The reference weeks, the day before the runaway (its straddlers reach into the runaway day) and the runaway day. */
const DAYS = [...REFERENCE_DAYS].reverse().concat(addDays(RUNAWAY_DAY, -1), RUNAWAY_DAY);

let testDb: TestDatabase;
let database: Database;
/** The demo source's query data reaches the end of this day (unset: everything is published). */
let publishedThrough: string | undefined;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.url });
  await loadDemoMetering(database.db, REFERENCE_DAYS[3], addDays(RUNAWAY_DAY, 1), SEED);
});

afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

function activities() {
  return createAttributionActivities({
    db: database.db,
    defaultSource: 'demo',
    openSource: (spec) => {
      if (spec !== 'demo') throw new Error(`unexpected source ${spec}`);
      return createDemoSource(SEED, { publishedThrough });
    },
  });
}

/** Run an attribution activity as the attributeCosts workflow would, optionally as a retry with heartbeat details. */
function run<A, R>(pick: (a: ReturnType<typeof activities>) => (input: A) => Promise<R>, input: A, details?: unknown) {
  const env = new MockActivityEnvironment({
    activityType: 'attributeQueryCosts',
    workflowType: 'attributeCosts',
    workflowExecution: { workflowId: 'snowpatrol-attribute-test', runId: 'run-1' },
    heartbeatDetails: details,
  });
  return env.run(pick(activities()), input) as Promise<R>;
}

const attribute = (days: string[], complete = true, details?: AttributeHeartbeat): Promise<AttributionSummary> =>
  run((a) => a.attributeQueryCosts, { days, complete }, details);

async function rows<T>(statement: SQL): Promise<T[]> {
  const result = (await database.db.execute(statement)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}

const dayList = (days: string[]) => sql.raw(`array[${days.map((d) => `'${d}'`).join(',')}]::date[]`);

/** Warehouse-hours of the days whose attribution does not match metering exactly (should be none). */
function hourMismatches(days: string[]) {
  return rows<{ what: string }>(sql`
    select coalesce(a.warehouse, m.account || '.' || m.warehouse_name) || ' ' || coalesce(a.start_time, m.start_time)::text
           || ': metered ' || coalesce(m.credits_used_compute::text, 'no metering') || ', attribution '
           || coalesce(a.metered_credits::text || ' = ' || a.attributed_credits::text || ' + ' || a.idle_credits::text, 'none') as what
      from (select * from attribution_hourly where (start_time at time zone 'UTC')::date = any(${dayList(days)})) a
      full join (select * from metering_hourly where (start_time at time zone 'UTC')::date = any(${dayList(days)})) m
        using (start_time, account, warehouse_id)
     where a.start_time is null or m.start_time is null or a.metered_credits <> m.credits_used_compute
        or a.attributed_credits + a.idle_credits <> a.metered_credits or a.idle_credits < 0`);
}

/** Warehouse-days where Σ cost_daily of an always-present dimension + idle is not the metered compute (should be none). */
function dayMismatches(days: string[]) {
  return rows<{ what: string }>(sql`
    with metered as (
      select account || '.' || warehouse_name as warehouse, (start_time at time zone 'UTC')::date as day,
             sum(credits_used_compute) as credits
        from metering_hourly where (start_time at time zone 'UTC')::date = any(${dayList(days)}) group by 1, 2),
    idle as (
      select warehouse, (start_time at time zone 'UTC')::date as day, sum(idle_credits) as credits
        from attribution_hourly where (start_time at time zone 'UTC')::date = any(${dayList(days)}) group by 1, 2),
    dims as (select unnest(array['query_tag', 'user', 'role', 'query_hash']) as dimension),
    costs as (
      select warehouse, usage_date as day, dimension, sum(credits) as credits
        from cost_daily where usage_date = any(${dayList(days)}) group by 1, 2, 3)
    select m.warehouse || ' ' || m.day || ' ' || d.dimension || ': metered ' || m.credits || ', costs '
           || coalesce(c.credits, 0) || ' + idle ' || coalesce(i.credits::text, 'none') as what
      from metered m cross join dims d
      left join idle i on i.warehouse = m.warehouse and i.day = m.day
      left join costs c on c.warehouse = m.warehouse and c.day = m.day and c.dimension = d.dimension
     where coalesce(c.credits, 0) + coalesce(i.credits, -1) <> m.credits`);
}

/** Everything attribution wrote, as text (attributed_days without its timestamp). */
async function attributionContents(): Promise<string[]> {
  const [r] = await rows<{ hourly: string; costs: string; days: string }>(sql`
    select (select count(*) || ' ' || md5(string_agg(t::text, '|' order by t::text)) from attribution_hourly t) as hourly,
           (select count(*) || ' ' || md5(string_agg(t::text, '|' order by t::text)) from cost_daily t) as costs,
           (select string_agg(concat_ws(' ', usage_date, method, queries, metered_credits, attributed_credits,
                     idle_credits, complete), '|' order by usage_date) from attributed_days) as days`);
  return [r.hourly, r.costs, r.days];
}

describe('attributeQueryCosts', () => {
  test('attributed plus idle is metering, to the nano-credit, for every warehouse-hour and warehouse-day', async () => {
    const summary = await attribute(DAYS);

    expect(summary).toMatchObject({ days: DAYS.length, method: 'reported', unmatchedQueryParts: 0 });
    expect(summary.queries).toBeGreaterThan(500);
    expect(summary.attributedCredits).toBeGreaterThan(0.75 * summary.meteredCredits);
    expect(summary.idleCredits).toBeGreaterThan(0);
    expect(await hourMismatches(DAYS)).toEqual([]);
    expect(await dayMismatches(DAYS)).toEqual([]);
    // attributed_days' totals are the hours' sums, exactly.
    expect(
      await rows(sql`
        select d.usage_date from attributed_days d
          join (select (start_time at time zone 'UTC')::date as day, sum(metered_credits) as metered,
                       sum(attributed_credits) as attributed, sum(idle_credits) as idle
                  from attribution_hourly group by 1) h on h.day = d.usage_date
         where (d.metered_credits, d.attributed_credits, d.idle_credits) <> (h.metered, h.attributed, h.idle)
            or not d.complete or d.method <> 'reported'`),
    ).toEqual([]);
  });

  test('the demo’s tagged workloads are costed under their names and dimensions', async () => {
    const values = await rows<{ dimension: string; value: string }>(sql`
      select distinct dimension, value from cost_daily where warehouse = ${ETL_KEY} and usage_date = ${DAYS[0]}::date
       order by 1, 2`);
    const of = (dimension: string) => values.filter((v) => v.dimension === dimension).map((v) => v.value);
    expect(of('query_tag')).toEqual(
      expect.arrayContaining([
        'airflow:daily_sales.extract_orders',
        'dbt:orders',
        'temporal:billingExport.exportInvoices',
      ]),
    );
    expect(of('dbt_model')).toEqual(expect.arrayContaining(['orders', 'revenue_daily', 'customers']));
    expect(of('temporal_workflow_type')).toEqual(['billingExport']);
    expect(of('airflow_task')).toEqual(expect.arrayContaining(['daily_sales.load_orders']));
  });

  test('re-running a day replaces it with the same contents', async () => {
    const before = await attributionContents();
    await attribute(DAYS);
    expect(await attributionContents()).toEqual(before);
  });

  test('a retry resumes after the days the heartbeat says were done', async () => {
    const [done, ...rest] = DAYS.slice(0, 3);
    const first = await attribute([done]);
    // Wipe the "done" day: a resumed attempt must not attribute it again.
    await database.db.execute(sql`delete from cost_daily where usage_date = ${done}::date`);
    const resumed = await attribute([done, ...rest], true, {
      done: [done],
      queries: first.queries,
      meteredNano: Math.round(first.meteredCredits * 1e9),
      attributedNano: Math.round(first.attributedCredits * 1e9),
      idleNano: Math.round(first.idleCredits * 1e9),
      unmatchedQueryParts: 0,
      methods: ['reported'],
    });
    expect(resumed.days).toBe(3);
    expect(resumed.queries).toBeGreaterThan(first.queries);
    const [{ n }] = await rows<{ n: number }>(
      sql`select count(*)::int as n from cost_daily where usage_date = ${done}::date`,
    );
    expect(n).toBe(0);
    await attribute([done]);
    expect(await dayMismatches(DAYS)).toEqual([]);
  });
});

describe('checkAttributionCoverage', () => {
  const coverage = (from: string, to: string) => run((a) => a.checkAttributionCoverage, { from, to });

  afterEach(() => {
    publishedThrough = undefined;
  });

  test('a day the query views do not cover yet is pending; attributed days are done', async () => {
    publishedThrough = addDays(RUNAWAY_DAY, -1);
    const result = await coverage(addDays(RUNAWAY_DAY, -1), addDays(RUNAWAY_DAY, 1));
    expect(result).toEqual({
      available: true,
      publishedTo: `${RUNAWAY_DAY}T00:00:00.000Z`,
      due: [],
      pending: [RUNAWAY_DAY, addDays(RUNAWAY_DAY, 1)],
      done: [addDays(RUNAWAY_DAY, -1)],
    });
  });

  test('a day attributed before the data covered it, or whose metering was re-loaded since, is due again', async () => {
    const [partial, restated, untouched] = REFERENCE_DAYS.slice(0, 3);
    await attribute([partial], false);
    // Snowflake restates an hour of `restated` after it was attributed: ingest upserts the corrected row.
    const [row] = demoHourlyRows(ETL, restated, SEED);
    await upsertHourly(database.db, [{ ...row, creditsUsedCompute: row.creditsUsedCompute + 1 }], 'demo');
    const result = await coverage(REFERENCE_DAYS[3], RUNAWAY_DAY);
    const neverAttributed = eachDay(REFERENCE_DAYS[3], RUNAWAY_DAY).filter((d) => !DAYS.includes(d));
    expect(result.due).toEqual([...neverAttributed, restated, partial].sort());
    expect(result.done).toEqual(DAYS.filter((d) => d !== partial && d !== restated));
    expect(result.done).toContain(untouched);
    expect(result.pending).toEqual([]);

    await attribute([partial, restated]);
    expect(await hourMismatches([restated])).toEqual([]);
    expect((await coverage(REFERENCE_DAYS[3], RUNAWAY_DAY)).due).toEqual(neverAttributed);
  });
});

describe('explainAnomalies', () => {
  test('names the runaway day’s planted workload as its top cause, new, with most of the excess', async () => {
    const credits = async (day: string) => {
      const [r] = await rows<{ c: string }>(
        sql`select credits_used::text as c from metering_daily where warehouse = ${ETL_KEY} and usage_date = ${day}::date`,
      );
      return Number(r.c);
    };
    const actual = await credits(RUNAWAY_DAY);
    const expected = (await Promise.all(REFERENCE_DAYS.map(credits))).reduce((a, b) => a + b, 0) / 4;
    const modelId = await insertStubModel(database.db, ETL_KEY);
    const anomalyId = await upsertAnomaly(
      database.db,
      spikeFinding(modelId, {
        warehouse: ETL_KEY,
        usageDate: RUNAWAY_DAY,
        actual,
        expected,
        excessCredits: actual - expected,
      }),
    );
    // A drop the same day on another warehouse: nothing made it cost more, so it gets no causes.
    const bi = `${ETL.account}.BI_WH`;
    const dropId = await upsertAnomaly(
      database.db,
      spikeFinding(await insertStubModel(database.db, bi), {
        warehouse: bi,
        usageDate: RUNAWAY_DAY,
        direction: 'drop',
        excessCredits: -20,
      }),
    );

    const explain = () => run((a) => a.explainAnomalies, { days: [RUNAWAY_DAY] });
    expect(await explain()).toEqual({ explained: 1, anomalyIds: [anomalyId] });

    const causes = (await anomalyById(database.db, anomalyId))?.causes as AnomalyCauses;
    const planted = demoRunawayWorkload(ETL);
    expect(causes.byDimension.query_tag[0]).toMatchObject({
      value: workloadLabel(parseQueryTag(planted.queryTag)),
      usualCredits: 0,
      kind: 'new',
    });
    expect(causes.byDimension.query_tag[0].value).toBe('airflow:adhoc_backfill.reload_orders');
    expect(causes.byDimension.query_tag[0].shareOfExcess).toBeGreaterThan(0.5);
    expect(causes.byDimension.user[0]).toMatchObject({ value: planted.userName, kind: 'new' });
    expect(causes.byDimension.query_hash[0]).toMatchObject({ value: planted.queryHash, kind: 'new' });
    expect(causes.referenceDays).toEqual(REFERENCE_DAYS);
    expect(causes.method).toBe('reported');
    expect(causes.idle.credits).toBeGreaterThan(0);
    expect((await anomalyById(database.db, dropId))?.causes).toBeNull();

    // Explaining again finds the same causes: nothing is set, so no alert would be edited.
    expect(await explain()).toEqual({ explained: 1, anomalyIds: [] });
  });
});
