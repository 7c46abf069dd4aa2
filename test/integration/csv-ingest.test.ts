/**
 * A WAREHOUSE_METERING_HISTORY export loaded through the ingestMetering workflow into the real Postgres: exact
 * totals, exact re-loads, and a malformed file rejected (named line and column) before anything is written.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActivityFailure, type ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { eq, sql } from 'drizzle-orm';
import { createActivities } from '../../activities';
import { DEMO_WAREHOUSES, demoHourlyRows } from '../../activities/sources/demo-org';
import { openSource } from '../../activities/sources';
import { openDatabase, type Database } from '../../activities/store/database';
import { TASK_QUEUE, WORKFLOW_TYPES } from '../../schemas/constants';
import { eachDay } from '../../schemas/dates';
import type { IngestResult } from '../../schemas/results';
import { meteringHourly } from '../../schemas/tables';
import { createSnowpatrolWorker } from '../../worker/create-worker';
import { meteringCsv, writeCsv } from '../fixtures/metering-csv';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { startTemporal } from '../helpers/temporal';

const FROM = '2026-03-01';
const TO = '2026-03-10';
const exportRows = eachDay(FROM, TO).flatMap((day) => DEMO_WAREHOUSES.flatMap((wh) => demoHourlyRows(wh, day, 7)));

let env: TestWorkflowEnvironment;
let testDb: TestDatabase;
let database: Database;
let worker: Worker;
let running: Promise<void>;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-csv-'));
  env = await startTemporal();
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.url });
  worker = await createSnowpatrolWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    activities: createActivities({
      db: database.db,
      openSource: (spec) => openSource(spec, { demoSeed: 7, cwd: dir }),
      defaultSource: 'demo',
      outboxDir: path.join(dir, 'outbox'),
      webUiUrl: 'http://localhost:8233',
      namespace: 'default',
    }),
    maxConcurrentActivities: 2,
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await database?.close();
  await testDb?.drop();
  await env?.teardown();
  fs.rmSync(dir, { recursive: true, force: true });
});

const ingest = (source: string, workflowId: string) =>
  env.client.workflow.execute(WORKFLOW_TYPES.ingest, {
    taskQueue: TASK_QUEUE,
    workflowId,
    args: [{ asOf: TO, source, from: FROM, to: TO }],
  }) as Promise<IngestResult>;

async function loaded(source: string): Promise<{ rows: number; credits: number }> {
  const [row] = await database.db
    .select({ rows: sql<number>`count(*)::int`, credits: sql<string>`sum(${meteringHourly.creditsUsed})` })
    .from(meteringHourly)
    .where(eq(meteringHourly.source, source));
  return { rows: row.rows, credits: Number(row.credits ?? 0) };
}

test('an export loads exactly: every hourly row once, credits to the last digit, pseudo-warehouses skipped', async () => {
  // CLOUD_SERVICES_ONLY-style pseudo-warehouse rows (id 0) appear in real exports and are not warehouses.
  const pseudo = `ACME,ACME_PROD,2026-03-02 00:00:00.000 -0800,2026-03-02 01:00:00.000 -0800,0,CLOUD_SERVICES_ONLY,0.5,0,0.5`;
  const file = writeCsv(path.join(dir, 'metering.csv'), meteringCsv(exportRows, [pseudo]));

  const result = await ingest('csv:metering.csv', 'csv-load-1');

  const expectedCredits = exportRows.reduce((s, r) => s + r.creditsUsed, 0);
  const stored = await loaded(`csv:${file}`);
  expect(stored.rows).toBe(exportRows.length);
  expect(stored.credits).toBeCloseTo(expectedCredits, 6);
  expect(result).toMatchObject({
    days: 10,
    rowsRead: exportRows.length,
    rowsUpserted: exportRows.length,
    warehouses: 6,
  });

  const again = await ingest('csv:metering.csv', 'csv-load-2');
  expect(again.rowsUpserted).toBe(0);
  expect(await loaded(`csv:${file}`)).toEqual(stored);
});

test('a malformed row fails the load at once, names line and column, and writes nothing', async () => {
  const lines = meteringCsv(exportRows.slice(0, 20)).split('\n');
  lines[4] = lines[4].replace(/,[\d.]+,([\d.]+),([\d.]+)$/, ',lots,$1,$2'); // CREDITS_USED on line 5
  const file = writeCsv(path.join(dir, 'broken.csv'), lines.join('\n'));

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
  // Not retried: the extract ran exactly once.
  const history = await handle.fetchHistory();
  const extractAttempts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes).length;
  expect(extractAttempts).toBe(2); // planIngestWindow + one extract attempt
  expect(await loaded(`csv:${file}`)).toEqual({ rows: 0, credits: 0 });
});
