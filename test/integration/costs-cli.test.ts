/**
 * `snowpatrol costs` and `snowpatrol anomalies show` as a user runs them: the real CLI in a child process against a
 * throwaway Postgres database seeded with attribution the way the attribution engine writes it. The story: two
 * warehouses with steady workloads for two weeks, then on 2026-11-18 an ad-hoc Airflow backfill on ETL_WH.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { upsertAnomaly } from '../../activities/store/anomaly-store';
import { openDatabase, type Database } from '../../activities/store/database';
import { recordFeedback } from '../../activities/store/feedback-store';
import { claimAlerts, markAlertsSent } from '../../activities/store/notification-store';
import { COST_DIMENSIONS, type AnomalyCauses } from '../../schemas/attribution';
import { addDays, eachDay } from '../../schemas/dates';
import { anomalies, attributedDays, attributionHourly, costDaily } from '../../schemas/tables';
import { insertStubModel, spikeFinding } from '../fixtures/model-version';
import { isolatedEnv, runCli } from '../helpers/cli';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { contributor } from '../fixtures/causes';

const ETL = 'ACME_PROD.ETL_WH';
const BI = 'ACME_PROD.BI_WH';
const FIRST = '2026-11-05';
const SPIKE = '2026-11-18';

/** One warehouse-day of attribution: credits per query tag (and Temporal workflow type), plus idle. */
interface WarehouseDay {
  warehouse: string;
  day: string;
  tags: Record<string, number>;
  workflows?: Record<string, number>;
  idle: number;
}

/** ETL_WH: Airflow loads and a Temporal ingest; on the spike day the loads grow and a backfill appears. */
function etlDay(day: string): WarehouseDay {
  const spike = day === SPIKE;
  return {
    warehouse: ETL,
    day,
    tags: {
      'airflow:etl.load': spike ? 15 : 10,
      'temporal:ingestOrders': spike ? 2 : 4,
      '(untagged)': 1,
      ...(spike ? { 'airflow:adhoc_backfill.reload_orders': 40 } : {}),
    },
    workflows: { ingestOrders: spike ? 2 : 4 },
    idle: 5,
  };
}

/** BI_WH: the same every day. */
const biDay = (day: string): WarehouseDay => ({
  warehouse: BI,
  day,
  tags: { 'dbt:orders': 3, '(untagged)': 0.5 },
  workflows: { reportBuilder: 1 },
  idle: 1,
});

/** Write a warehouse-day as attribution does: one hour row (metered = attributed + idle) and cost_daily rows. */
async function seedDay(db: Database['db'], w: WarehouseDay): Promise<void> {
  const attributed = Object.values(w.tags).reduce((s, c) => s + c, 0);
  await db.insert(attributionHourly).values({
    startTime: new Date(`${w.day}T10:00:00Z`),
    account: w.warehouse.split('.')[0],
    warehouseId: w.warehouse === ETL ? 1 : 2,
    warehouse: w.warehouse,
    meteredCredits: attributed + w.idle,
    attributedCredits: attributed,
    idleCredits: w.idle,
    queries: 2 * Object.keys(w.tags).length,
    method: 'reported',
  });
  const rows = (dimension: string, values: Record<string, number>) =>
    Object.entries(values).map(([value, credits]) => ({
      usageDate: w.day,
      warehouse: w.warehouse,
      dimension,
      value,
      credits,
      queries: 2,
    }));
  await db
    .insert(costDaily)
    .values([...rows('query_tag', w.tags), ...rows('temporal_workflow_type', w.workflows ?? {})]);
}

async function markAttributed(db: Database['db'], day: string): Promise<void> {
  await db.insert(attributedDays).values({
    usageDate: day,
    method: 'reported',
    queries: 10,
    meteredCredits: 0,
    attributedCredits: 0,
    idleCredits: 0,
    complete: true,
  });
}

let testDb: TestDatabase;
let database: Database;
let home: string;
let env: NodeJS.ProcessEnv;
let explainedId: number;
let pendingId: number;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.url });
  const db = database.db;
  for (const day of eachDay(FIRST, SPIKE)) {
    await seedDay(db, etlDay(day));
    await seedDay(db, biDay(day));
    await markAttributed(db, day);
  }

  // The spike, explained; and a BI_WH anomaly on a day the query history does not cover yet.
  const model = await insertStubModel(db, ETL);
  explainedId = await upsertAnomaly(
    db,
    spikeFinding(model, { warehouse: ETL, usageDate: SPIKE, actual: 63, expected: 20, excessCredits: 43 }),
  );
  const causes: AnomalyCauses = {
    method: 'reported',
    explainedAt: '2026-11-19T09:30:00.000Z',
    referenceDays: ['2026-10-21', '2026-10-28', '2026-11-04', '2026-11-11'],
    byDimension: {
      query_tag: [
        contributor('airflow:adhoc_backfill.reload_orders', 40, 0, 43),
        contributor('airflow:etl.load', 15, 10, 43),
      ],
      user: [contributor('AIRFLOW_SVC', 55, 10, 43)],
      query_hash: [],
    },
    idle: { credits: 5, usualCredits: 5 },
  };
  await db.update(anomalies).set({ causes }).where(eq(anomalies.id, explainedId));
  await recordFeedback(db, { anomalyId: explainedId, verdict: 'confirmed', author: 'alice', comment: 'backfill' });
  const [row] = await db.select().from(anomalies).where(eq(anomalies.id, explainedId));
  await claimAlerts(db, [row], 'snowpatrol-alerts', 'http://ui/run');
  await markAlertsSent(db, [row], 'slack:C0ALERTS:1763712000.000100');

  pendingId = await upsertAnomaly(db, spikeFinding(model, { warehouse: BI, usageDate: addDays(SPIKE, 1) }));

  home = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-home-'));
  env = isolatedEnv({ DATABASE_URL: testDb.url, SNOWPATROL_HOME: home });
}, 60_000);

afterAll(async () => {
  await database?.close();
  await testDb?.drop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

/** The CLI's stdout lines, failing with its stderr when it did not succeed. */
async function cli(args: string[]): Promise<string[]> {
  const run = await runCli(args, env);
  if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr}`);
  return run.stdout.trimEnd().split('\n');
}

/** The row of a text table whose first column is `label`, split on runs of 2+ spaces. */
const row = (lines: string[], label: string) => lines.find((l) => l.startsWith(`${label}  `))?.split(/ {2,}/);

describe('snowpatrol costs', () => {
  test('per query tag over the week: credits, share, last day with day-over-day and week-over-week', async () => {
    const out = await cli(['costs', '--from', '2026-11-12', '--to', SPIKE]);
    expect(out[0]).toBe(
      'Compute credits by query_tag, 2026-11-12 → 2026-11-18, all warehouses (changes: 2026-11-18 vs the day and the week before)',
    );
    expect(out[1].split(/ {2,}/)).toEqual([
      'QUERY_TAG',
      'CREDITS',
      'SHARE',
      'QUERIES',
      '2026-11-18',
      'DAY/DAY',
      'WEEK/WEEK',
    ]);
    expect(row(out, 'airflow:etl.load')).toEqual([
      'airflow:etl.load',
      '75.00',
      '35.0 %',
      '14',
      '15.00',
      '+5.00 (+50 %)',
      '+5.00 (+50 %)',
    ]);
    expect(row(out, 'airflow:adhoc_backfill.reload_orders')).toEqual([
      'airflow:adhoc_backfill.reload_orders',
      '40.00',
      '18.6 %',
      '2',
      '40.00',
      '+40.00 (new)',
      '+40.00 (new)',
    ]);
    expect(row(out, 'temporal:ingestOrders')?.slice(1)).toEqual([
      '26.00',
      '12.1 %',
      '14',
      '2.00',
      '-2.00 (-50 %)',
      '-2.00 (-50 %)',
    ]);
    // Largest first; then idle and the metered total, which the lines above add up to.
    expect(out.slice(2).map((l) => l.split(/ {2,}/)[0])).toEqual([
      'airflow:etl.load',
      'airflow:adhoc_backfill.reload_orders',
      'temporal:ingestOrders',
      'dbt:orders',
      '(untagged)',
      '(idle)',
      'total (metered)',
    ]);
    expect(row(out, '(idle)')?.slice(1, 3)).toEqual(['42.00', '19.6 %']);
    expect(row(out, 'total (metered)')?.slice(1)).toEqual([
      '214.50',
      '100.0 %',
      '72',
      '67.50',
      '+43.00 (+176 %)',
      '+43.00 (+176 %)',
    ]);
  });

  test('--top sums the rest on one line, so the table still adds up', async () => {
    const out = await cli(['costs', '--from', '2026-11-12', '--to', SPIKE, '--top', '2']);
    expect(out.slice(2).map((l) => l.split(/ {2,}/)[0])).toEqual([
      'airflow:etl.load',
      'airflow:adhoc_backfill.reload_orders',
      '(3 others)',
      '(idle)',
      'total (metered)',
    ]);
    expect(row(out, '(3 others)')?.slice(1)).toEqual([
      '57.50',
      '26.8 %',
      '56',
      '6.50',
      '-2.00 (-24 %)',
      '-2.00 (-24 %)',
    ]);
  });

  test('--json: the same lines as numbers, reconciling exactly with the metered total', async () => {
    const summary = JSON.parse((await cli(['costs', '--from', '2026-11-12', '--to', SPIKE, '--json'])).join('\n'));
    expect(summary).toMatchObject({ dimension: 'query_tag', lastDay: SPIKE, warehouse: null, notAttributed: [] });
    const lines = summary.lines as {
      kind: string;
      label: string;
      credits: number;
      lastDay: number;
      dayBefore: number;
    }[];
    const total = lines.find((l) => l.kind === 'total')!;
    const parts = lines.filter((l) => l.kind !== 'total');
    expect(parts.reduce((s, l) => s + l.credits, 0)).toBeCloseTo(total.credits, 9);
    expect(parts.reduce((s, l) => s + l.lastDay, 0)).toBeCloseTo(total.lastDay, 9);
    expect(total).toMatchObject({ credits: 214.5, lastDay: 67.5, dayBefore: 24.5 });
    expect(lines.find((l) => l.label === 'airflow:adhoc_backfill.reload_orders')).toMatchObject({
      credits: 40,
      lastDay: 40,
      dayBefore: 0,
      weekBefore: 0,
    });
  });

  test('by Temporal workflow type per day: what no tag names is one line, and each day adds up', async () => {
    const out = await cli([
      'costs',
      '--by',
      'temporal_workflow_type',
      '--from',
      '2026-11-17',
      '--to',
      SPIKE,
      '--daily',
    ]);
    expect(out[0]).toBe('Compute credits by temporal_workflow_type per day, 2026-11-17 → 2026-11-18, all warehouses');
    const rows = out.slice(2).map((l) => l.split(/ {2,}/));
    expect(rows).toEqual([
      ['2026-11-17', 'ingestOrders', '4.00', '2', '+0.00 (+0 %)', '+0.00 (+0 %)'],
      ['2026-11-17', 'reportBuilder', '1.00', '2', '+0.00 (+0 %)', '+0.00 (+0 %)'],
      ['2026-11-17', '(no temporal_workflow_type)', '13.50', '+0.00 (+0 %)', '+0.00 (+0 %)'],
      ['2026-11-17', '(idle)', '6.00', '+0.00 (+0 %)', '+0.00 (+0 %)'],
      ['2026-11-17', 'total (metered)', '24.50', '10', '+0.00 (+0 %)', '+0.00 (+0 %)'],
      ['2026-11-18', 'ingestOrders', '2.00', '2', '-2.00 (-50 %)', '-2.00 (-50 %)'],
      ['2026-11-18', 'reportBuilder', '1.00', '2', '+0.00 (+0 %)', '+0.00 (+0 %)'],
      ['2026-11-18', '(no temporal_workflow_type)', '58.50', '+45.00 (+333 %)', '+45.00 (+333 %)'],
      ['2026-11-18', '(idle)', '6.00', '+0.00 (+0 %)', '+0.00 (+0 %)'],
      ['2026-11-18', 'total (metered)', '67.50', '12', '+43.00 (+176 %)', '+43.00 (+176 %)'],
    ]);
  });

  test('--warehouse keeps to one warehouse; days not attributed yet are named', async () => {
    const out = await cli(['costs', '--warehouse', BI, '--from', '2026-11-13', '--to', '2026-11-19']);
    expect(out[0]).toContain(`2026-11-13 → 2026-11-19, ${BI} (changes: 2026-11-18 vs`);
    expect(row(out, 'dbt:orders')?.slice(1, 3)).toEqual(['18.00', '66.7 %']);
    expect(row(out, 'total (metered)')?.[1]).toBe('27.00');
    expect(out.some((l) => l.startsWith('airflow:'))).toBe(false);
    expect(out.at(-1)).toBe('Not attributed (no query history for these days yet): 2026-11-19');
  });

  test('a bad dimension, warehouse or date is refused, naming the flag and what is valid', async () => {
    const bad = await runCli(['costs', '--by', 'dag'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("option '--by <dimension>' argument 'dag' is invalid");
    expect(bad.stderr).toContain(`expected one of ${COST_DIMENSIONS.join(', ')}, got "dag"`);

    const unknown = await runCli(['costs', '--warehouse', 'ACME_PROD.NOPE_WH', '--to', SPIKE], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no attributed cost for warehouse ACME_PROD.NOPE_WH');

    const date = await runCli(['costs', '--to', '2026-13-01'], env);
    expect(date.code).toBe(1);
    expect(date.stderr).toContain("option '--to <date>' argument '2026-13-01' is invalid");
  });
});

describe('snowpatrol anomalies show', () => {
  test('an explained anomaly: numbers, causes per dimension with shares and new/grown, idle, feedback, alert', async () => {
    const out = await cli(['anomalies', 'show', String(explainedId)]);
    expect(out[0]).toBe(`Anomaly ${explainedId}: ${ETL} on ${SPIKE} — above expected`);
    expect(out[1]).toBe('credits      63.0 actual vs 20.0 expected: +43.00 excess (+215 %), 210.00 USD');
    expect(out[2]).toBe('severity     high (score 0.800, threshold 0.600) · status acked');
    expect(out.find((l) => l.startsWith('model'))).toMatch(
      /^model {8}#\d+: v1 test, trained on 2026-08-01 → 2026-10-31( \(.*\))?$/,
    );
    expect(out).toContain(
      'Likely cause (reported credits; usual = mean of 2026-10-21, 2026-10-28, 2026-11-04, 2026-11-11; explained 2026-11-19 09:30 UTC)',
    );
    const cause = (value: string) => out.find((l) => l.includes(`  ${value}  `))?.split(/ {2,}/);
    expect(cause('airflow:adhoc_backfill.reload_orders')).toEqual([
      'query tag',
      'airflow:adhoc_backfill.reload_orders',
      '40.00',
      '0.00',
      '+40.00',
      '93 %',
      'new',
    ]);
    expect(cause('airflow:etl.load')).toEqual([
      'query tag',
      'airflow:etl.load',
      '15.00',
      '10.00',
      '+5.00',
      '12 %',
      'grown',
    ]);
    expect(cause('AIRFLOW_SVC')).toEqual(['user', 'AIRFLOW_SVC', '55.00', '10.00', '+45.00', '105 %', 'grown']);
    expect(out.find((l) => l.startsWith('query hash'))).toMatch(/^query hash {2,}\(nothing grew\)$/);
    expect(out.find((l) => l.startsWith('idle'))?.split(/ {2,}/)).toEqual([
      'idle',
      '(warehouse up, no query)',
      '5.00',
      '5.00',
      '+0.00',
      '0 %',
    ]);
    expect(out.find((l) => l.startsWith('feedback'))).toMatch(
      /^feedback {5}\d{4}-\d\d-\d\d \d\d:\d\d UTC confirmed by alice: "backfill"$/,
    );
    expect(out.find((l) => l.startsWith('alert'))).toMatch(
      /^alert {8}sent to #snowpatrol-alerts at .* UTC \(slack:C0ALERTS:1763712000\.000100\)$/,
    );
  });

  test('--json carries the causes and the alert', async () => {
    const shown = JSON.parse((await cli(['anomalies', 'show', String(explainedId), '--json'])).join('\n'));
    expect(shown.anomaly).toMatchObject({ id: explainedId, warehouse: ETL, usageDate: SPIKE, excessCredits: 43 });
    expect(shown.anomaly.causes).toBeUndefined();
    expect(shown).toMatchObject({ causeStatus: 'explained', causeNote: null });
    expect(shown.causes.byDimension.query_tag[0]).toMatchObject({
      value: 'airflow:adhoc_backfill.reload_orders',
      kind: 'new',
    });
    expect(shown.alert).toMatchObject({
      channel: 'snowpatrol-alerts',
      status: 'sent',
      messageRef: 'slack:C0ALERTS:1763712000.000100',
    });
    expect(shown.feedback).toEqual([expect.objectContaining({ verdict: 'confirmed', author: 'alice' })]);
  });

  test('without causes it says why: the query history does not cover the day yet', async () => {
    const out = await cli(['anomalies', 'show', String(pendingId)]);
    expect(out).toContain(
      "Likely cause: not attributed yet: Snowflake's query history does not cover the day yet (the alert gets the cause when it does)",
    );
    expect(out).toContain('feedback     none');
    expect(out).toContain('alert        not sent (run notify, or the warehouse was snoozed)');
  });

  test('an unknown id fails with a one-line reason', async () => {
    const run = await runCli(['anomalies', 'show', '999999'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('snowpatrol: no anomaly with id 999999 (see `snowpatrol anomalies`)\n');
    expect(run.stdout).toBe('');
  });
});

test('a source without query data: costs and show say so', async () => {
  const bare = await createTestDatabase();
  const bareDb = await openDatabase({ databaseUrl: bare.url });
  try {
    const model = await insertStubModel(bareDb.db, ETL);
    const id = await upsertAnomaly(bareDb.db, spikeFinding(model, { usageDate: SPIKE }));
    const bareEnv = isolatedEnv({ DATABASE_URL: bare.url, SNOWPATROL_HOME: home });
    const show = await runCli(['anomalies', 'show', String(id)], bareEnv);
    expect(show.stdout).toContain(
      'Likely cause: no query data for this source: attribution needs Snowflake query history (ACCOUNT_USAGE)',
    );
    const costs = await runCli(['costs', '--to', SPIKE], bareEnv);
    expect(costs.code).toBe(0);
    expect(costs.stdout).toContain('No attributed cost by query_tag for 2026-11-12 → 2026-11-18, all warehouses');
  } finally {
    await bareDb.close();
    await bare.drop();
  }
});
