/**
 * Why did it cost more, end to end: the pipeline reads "Snowflake" (the loopback emulator, through the real
 * snowflake-sdk) with known query-tag workloads, attributes every warehouse-hour's compute to its queries plus an
 * explicit idle remainder — reconciling with metering to the nano-credit — and names a planted runaway workload as
 * its anomaly's cause. Query views lag metering, so the tests cover both ways the issue asks for: the alert goes out
 * first and the cause is edited into it once QUERY_ATTRIBUTION_HISTORY covers the day, or the run waits (durably)
 * for the views before it alerts.
 */
import fs from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, eq } from 'drizzle-orm';
import postgres from 'postgres';
import { parseQueryTag, workloadLabel } from '../../activities/attribution/query-tag';
import { DEMO_WAREHOUSES, demoAnomalyLabels } from '../../activities/sources/demo-org';
import { demoRunawayWorkload } from '../../activities/sources/demo-queries';
import type { AnomalyCauses } from '../../schemas/attribution';
import { lateAttributionWorkflowId, TASK_QUEUE, WORKFLOW_TYPES, workflowIdFor } from '../../schemas/constants';
import { addDays } from '../../schemas/dates';
import type { PipelineInput } from '../../schemas/inputs';
import type { AttributeResult, PipelineProgress, PipelineResult } from '../../schemas/results';
import { anomalies } from '../../schemas/tables';
import { generateKeyPair, startSnowflakeEmulator, type SnowflakeEmulator } from '../emulator';
import { emulatorSettings, loadOrg, loadOrgQueries, orgQueries, orgRows, SVC_USER } from '../fixtures/snowflake-org';
import { tempDir } from '../fixtures/temp-dir';
import { outboxMessages } from '../helpers/exactness';
import { startTemporal } from '../helpers/temporal';
import { startTestWorker, type TestWorker } from '../helpers/worker';

const SEED = 11;
const ACCOUNT = 'ACME_PROD';
// A runaway day of one of ACME_PROD's warehouses (the account whose ACCOUNT_USAGE views hold the queries).
const RUNAWAY = demoAnomalyLabels('2026-06-01', '2026-09-30', SEED).find(
  (l) => l.kind === 'runaway' && l.account === ACCOUNT,
);
if (!RUNAWAY) throw new Error('the demo organisation has no runaway day on ACME_PROD in the range');
const AS_OF = RUNAWAY.day;
const HISTORY_DAYS = 130;
const FROM = addDays(AS_OF, 1 - HISTORY_DAYS);
const WAREHOUSE = `${ACCOUNT}.${RUNAWAY.warehouseName}`;
const PLANTED = workloadLabel(
  parseQueryTag(demoRunawayWorkload(DEMO_WAREHOUSES.find((w) => w.name === RUNAWAY.warehouseName)!).queryTag),
);

const keys = generateKeyPair();
const metering = orgRows(FROM, AS_OF, SEED);
const queries = orgQueries(addDays(FROM, -1), addDays(AS_OF, 1), SEED);
// QUERY_ATTRIBUTION_HISTORY lags metering (up to about 8 hours): when the run starts it is published to 03:00 of the
// as-of day, which covers the day before but not the as-of day; later it is published to 03:00 of the day after.
const publishedAt = (day: string) => Date.parse(`${day}T03:00:00Z`);
const earlyQueries = queries.filter((q) => q.executionEnd.getTime() <= publishedAt(AS_OF));
const lateQueries = queries.filter(
  (q) => q.executionEnd.getTime() > publishedAt(AS_OF) && q.executionEnd.getTime() <= publishedAt(addDays(AS_OF, 1)),
);

const PIPELINE: PipelineInput = {
  asOf: AS_OF,
  source: 'snowflake',
  historyDays: HISTORY_DAYS,
  waitForData: false,
  causeCheckEveryMinutes: 0.05,
};

let env: TestWorkflowEnvironment;
const started: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  env = await startTemporal();
});

afterAll(async () => {
  for (const s of started.reverse()) await s.close();
  await env?.teardown();
});

/** An emulator holding the organisation's metering and the queries before the as-of day, and a worker reading it. */
async function setUp(): Promise<{ emulator: SnowflakeEmulator; tw: TestWorker }> {
  const dir = tempDir();
  const emulator = await startSnowflakeEmulator();
  emulator.addUser({ name: SVC_USER, publicKeyPem: keys.publicKeyPem });
  await loadOrg(emulator, metering);
  await loadOrgQueries(emulator, earlyQueries);
  const tw = await startTestWorker(env, SEED, {
    snowflake: emulatorSettings(emulator, dir, keys.privateKeyPem, undefined),
  });
  started.push({
    close: async () => {
      await tw.stop();
      await emulator.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  });
  return { emulator, tw };
}

function startPipeline(input: PipelineInput, id: string) {
  return env.client.workflow.start(WORKFLOW_TYPES.pipeline, { taskQueue: TASK_QUEUE, workflowId: id, args: [input] });
}

async function causesOf(tw: TestWorker): Promise<AnomalyCauses | null> {
  const [row] = await tw.database.db
    .select({ causes: anomalies.causes, direction: anomalies.direction })
    .from(anomalies)
    .where(and(eq(anomalies.warehouse, WAREHOUSE), eq(anomalies.usageDate, AS_OF)));
  expect(row?.direction).toBe('spike');
  return (row?.causes ?? null) as AnomalyCauses | null;
}

/**
 * Per warehouse-hour and per warehouse-day (each always-present dimension), attributed + idle against metered
 * compute, compared in Postgres numeric: the count of rows that do not add up exactly, and of hours compared.
 */
async function reconciliation(tw: TestWorker) {
  const pg = postgres(tw.databaseUrl, { max: 1, onnotice: () => undefined });
  try {
    return await reconcile(pg);
  } finally {
    await pg.end();
  }
}

async function reconcile(sql: postgres.Sql) {
  const [hours] = await sql<{ compared: number; off: number; unattributed: number }[]>`
    select count(*)::int as compared,
           count(*) filter (where a.metered_credits is distinct from m.credits_used_compute
                               or a.attributed_credits + a.idle_credits <> a.metered_credits)::int as off,
           count(*) filter (where a.start_time is null)::int as unattributed
      from metering_hourly m
      join attributed_days d on d.usage_date = (m.start_time at time zone 'UTC')::date
      left join attribution_hourly a
        on a.start_time = m.start_time and a.account = m.account and a.warehouse_id = m.warehouse_id
     where m.account = ${ACCOUNT}`;
  const [days] = await sql<{ compared: number; off: number }[]>`
    with metered as (
      select m.account || '.' || m.warehouse_name as warehouse, (m.start_time at time zone 'UTC')::date as day,
             sum(m.credits_used_compute) as credits
        from metering_hourly m join attributed_days d on d.usage_date = (m.start_time at time zone 'UTC')::date
       where m.account = ${ACCOUNT} group by 1, 2),
    idle as (
      select warehouse, (start_time at time zone 'UTC')::date as day, sum(idle_credits) as credits
        from attribution_hourly group by 1, 2),
    dims as (
      select warehouse, usage_date as day, dimension, sum(credits) as credits from cost_daily
       where dimension in ('query_tag', 'user', 'role', 'query_hash') group by 1, 2, 3)
    select count(*)::int as compared,
           count(*) filter (where coalesce(dims.credits, 0) + idle.credits <> metered.credits)::int as off
      from metered
      join idle using (warehouse, day)
      cross join (values ('query_tag'), ('user'), ('role'), ('query_hash')) as d(dimension)
      left join dims on dims.warehouse = metered.warehouse and dims.day = metered.day and dims.dimension = d.dimension`;
  // ACME_DEV's queries are not in ACME_PROD's ACCOUNT_USAGE views: its warehouses stay unattributed, not idle.
  const [other] = await sql<
    { n: number }[]
  >`select count(*)::int as n from attribution_hourly where account <> ${ACCOUNT}`;
  return { hours, days, otherAccounts: other.n };
}

function alertText(tw: TestWorker): string {
  const [message] = outboxMessages(tw.outboxDir).filter((m) => m.keys.some((k) => k.includes(`${WAREHOUSE}:${AS_OF}`)));
  expect(message).toBeDefined();
  return fs.readFileSync(message.ref, 'utf8');
}

test('the alert goes out at once; the cause is edited in when the query views cover the day', async () => {
  const { emulator, tw } = await setUp();
  const result: PipelineResult = await startPipeline(PIPELINE, workflowIdFor('pipeline', AS_OF)).then((h) =>
    h.result(),
  );

  const attribute = result.attribute!;
  expect(attribute.status).toBe('attributed');
  expect(attribute.pending).toEqual([AS_OF]);
  expect(attribute.days).toContain(addDays(AS_OF, -1));
  expect(attribute.queries).toBeGreaterThan(1000);
  expect(attribute.followUp).toBe(lateAttributionWorkflowId(AS_OF));
  // Metered = attributed + idle, to the nano-credit, for every ACME_PROD warehouse-hour and warehouse-day loaded.
  const before = await reconciliation(tw);
  expect(before.hours.compared).toBeGreaterThan(1000);
  expect(before.hours).toMatchObject({ off: 0, unattributed: 0 });
  expect(before.days.compared).toBeGreaterThan(100);
  expect(before.days.off).toBe(0);
  expect(before.otherAccounts).toBe(0);

  // The anomaly was alerted without a cause, saying one is coming.
  expect(result.score.anomalousWarehouses).toContain(WAREHOUSE);
  expect(await causesOf(tw)).toBeNull();
  expect(alertText(tw)).not.toContain(PLANTED);

  // Snowflake publishes the day's query attribution; the follow-up notices, attributes and edits the alert.
  await loadOrgQueries(emulator, lateQueries);
  const followUp: AttributeResult = await env.client.workflow.getHandle(attribute.followUp!).result();
  expect(followUp).toMatchObject({ status: 'attributed', days: [AS_OF], pending: [] });
  expect(followUp.checks).toBeGreaterThan(1);
  expect(followUp.alertsEdited).toBeGreaterThanOrEqual(1);

  const causes = await causesOf(tw);
  expect(causes?.method).toBe('reported');
  const [top] = causes!.byDimension.query_tag;
  expect(top).toMatchObject({ value: PLANTED, kind: 'new' });
  expect(top.shareOfExcess).toBeGreaterThan(0.5);
  expect(alertText(tw)).toContain(PLANTED);
  expect(
    outboxMessages(tw.outboxDir).filter((m) => m.keys.some((k) => k.includes(`${WAREHOUSE}:${AS_OF}`))),
  ).toHaveLength(1);
  const after = await reconciliation(tw);
  expect(after.hours.compared).toBeGreaterThan(before.hours.compared);
  expect(after.hours).toMatchObject({ off: 0, unattributed: 0 });
  expect(after.days.off).toBe(0);
}, 300_000);

test('with causeWaitHours the run waits durably for the query views, then alerts with the cause', async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
  const { emulator, tw } = await setUp();
  const handle = await startPipeline({ ...PIPELINE, causeWaitHours: 1 }, `${workflowIdFor('pipeline', AS_OF)}-wait`);
  // The attribute stage waits on its timer, checking every 3 s; no alert goes out meanwhile.
  await waitFor(async () => (await handle.query<PipelineProgress>('progress')).stage === 'attribute');
  await new Promise((r) => setTimeout(r, 8_000));
  expect((await handle.query<PipelineProgress>('progress')).stage).toBe('attribute');
  expect(outboxMessages(tw.outboxDir)).toHaveLength(0);

  await loadOrgQueries(emulator, lateQueries);
  const result: PipelineResult = await handle.result();
  expect(result.attribute).toMatchObject({ status: 'attributed', pending: [] });
  expect(result.attribute!.checks).toBeGreaterThan(1);
  expect(result.attribute!.followUp).toBeUndefined();
  const causes = await causesOf(tw);
  expect(causes!.byDimension.query_tag[0]).toMatchObject({ value: PLANTED, kind: 'new' });
  expect(alertText(tw)).toContain(PLANTED);
}, 300_000);

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 250));
  }
}
