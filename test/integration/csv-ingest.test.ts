/**
 * A WAREHOUSE_METERING_HISTORY export loaded through the ingestMetering workflow into the real Postgres: exact
 * totals, exact re-loads, and a malformed file rejected (named line and column) before anything is written.
 */
import { ActivityFailure, type ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq, sql } from 'drizzle-orm';
import { DEMO_WAREHOUSES, demoHourlyRows } from '../../activities/sources/demo-org';
import { TASK_QUEUE, WORKFLOW_TYPES } from '../../schemas/constants';
import { eachDay } from '../../schemas/dates';
import type { IngestResult } from '../../schemas/results';
import { meteringHourly } from '../../schemas/tables';
import { csvRow, csvRowFrom, csvText, writeFile } from '../fixtures/csv-export';
import { activityStarts } from '../helpers/history';
import { startTemporal } from '../helpers/temporal';
import { startTestWorker, type TestWorker } from '../helpers/worker';

const FROM = '2026-01-01';
// Half a year of 6 warehouses: several batches of 2,000 rows, written two at a time, so the counts cover that too.
const TO = '2026-06-29';
const exportRows = eachDay(FROM, TO).flatMap((day) => DEMO_WAREHOUSES.flatMap((wh) => demoHourlyRows(wh, day, 7)));

let env: TestWorkflowEnvironment;
let tw: TestWorker;

beforeAll(async () => {
  env = await startTemporal();
  tw = await startTestWorker(env, 7);
});

afterAll(async () => {
  await tw?.stop();
  await env?.teardown();
});

const ingest = (source: string, workflowId: string) =>
  env.client.workflow.execute(WORKFLOW_TYPES.ingest, {
    taskQueue: TASK_QUEUE,
    workflowId,
    args: [{ asOf: TO, source, from: FROM, to: TO }],
  }) as Promise<IngestResult>;

async function loaded(source: string): Promise<{ rows: number; credits: number }> {
  const [row] = await tw.database.db
    .select({ rows: sql<number>`count(*)::int`, credits: sql<string>`sum(${meteringHourly.creditsUsed})` })
    .from(meteringHourly)
    .where(eq(meteringHourly.source, source));
  return { rows: row.rows, credits: Number(row.credits ?? 0) };
}

test('an export loads exactly: every hourly row once, credits to the last digit, pseudo-warehouses skipped', async () => {
  // CLOUD_SERVICES_ONLY-style pseudo-warehouse rows (id 0) appear in real exports and are not warehouses.
  const pseudo = csvRow('2026-03-02', {
    ACCOUNT_NAME: 'ACME_PROD',
    WAREHOUSE_ID: '0',
    WAREHOUSE_NAME: 'CLOUD_SERVICES_ONLY',
  });
  const file = writeFile(tw.dir, 'metering.csv', csvText([...exportRows.map(csvRowFrom), pseudo]));

  const result = await ingest('csv:metering.csv', 'csv-load-1');

  const expectedCredits = exportRows.reduce((s, r) => s + r.creditsUsed, 0);
  const stored = await loaded(`csv:${file}`);
  expect(exportRows.length).toBeGreaterThan(3 * 2000);
  expect(stored.rows).toBe(exportRows.length);
  expect(stored.credits).toBeCloseTo(expectedCredits, 6);
  expect(result).toMatchObject({
    days: 180,
    rowsRead: exportRows.length,
    rowsUpserted: exportRows.length,
    warehouses: 6,
  });

  const again = await ingest('csv:metering.csv', 'csv-load-2');
  expect(again.rowsUpserted).toBe(0);
  expect(await loaded(`csv:${file}`)).toEqual(stored);
});

test('a malformed row fails the load at once, names line and column, and writes nothing', async () => {
  const lines = csvText(exportRows.slice(0, 20).map(csvRowFrom)).split('\n');
  lines[4] = lines[4].replace(/,[\d.]+,([\d.]+),([\d.]+)$/, ',lots,$1,$2'); // CREDITS_USED on line 5
  const file = writeFile(tw.dir, 'broken.csv', lines.join('\n'));

  const handle = await env.client.workflow.start(WORKFLOW_TYPES.ingest, {
    taskQueue: TASK_QUEUE,
    workflowId: 'csv-broken',
    args: [{ asOf: TO, source: `csv:${file}`, from: FROM, to: TO }],
  });
  const error: unknown = await handle.result().catch((e: unknown) => e);

  expect(error).toBeInstanceOf(WorkflowFailedError);
  const activityFailure = (error as WorkflowFailedError).cause;
  expect(activityFailure).toBeInstanceOf(ActivityFailure);
  const cause = (activityFailure as ActivityFailure).cause as ApplicationFailure;
  expect(cause.type).toBe('InvalidRowError');
  expect(cause.message).toContain('line 5');
  expect(cause.message).toContain('CREDITS_USED "lots" is not a number');
  // Not retried: the extract ran exactly once; then the failure was alerted, once.
  expect(await activityStarts(handle)).toEqual({
    planIngestWindow: 1,
    extractWarehouseMetering: 1,
    sendFailureAlert: 1,
  });
  expect(await loaded(`csv:${file}`)).toEqual({ rows: 0, credits: 0 });
});
