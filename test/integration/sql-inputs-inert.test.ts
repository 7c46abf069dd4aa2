/**
 * Names that look like SQL are data, nothing more. Warehouses called `X'); DROP TABLE METERING_HOURLY; --` and
 * `WH"QUOTED\NAME`, and an account called `ACME'); DELETE FROM ANOMALIES; --`, come in from a CSV export and from
 * the Snowflake emulator (also as the SNOWFLAKE_ACCOUNTS filter); the pipeline runs end to end on each, every name
 * is stored verbatim, and every table is intact. Snowflake gets the dates and the account filter as bind values,
 * never in its SQL text. The CLI's warehouse arguments (`models list --warehouse`, `models show`, `snooze`) take
 * the names as they are, too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'drizzle-orm';
import { DEMO_WAREHOUSES, demoHourlyRows } from '../../activities/sources/demo-org';
import type { HourlyMeteringRow } from '../../activities/sources';
import type { Db } from '../../activities/store/database';
import { TASK_QUEUE, WORKFLOW_TYPES } from '../../schemas/constants';
import { addDays, eachDay } from '../../schemas/dates';
import type { PipelineResult } from '../../schemas/results';
import { featuresDaily, meteringDaily, meteringHourly, modelVersions, snoozes } from '../../schemas/tables';
import { generateKeyPair, startSnowflakeEmulator, type SnowflakeEmulator } from '../emulator';
import { csvRowFrom, csvText, writeFile } from '../fixtures/csv-export';
import { emulatorSettings, SVC_USER } from '../fixtures/snowflake-org';
import { isolatedEnv, runCli } from '../helpers/cli';
import { tableCounts } from '../helpers/state';
import { startTemporal } from '../helpers/temporal';
import { startTestWorker, type TestWorker } from '../helpers/worker';

const DROP_TABLE = "X'); DROP TABLE METERING_HOURLY; --";
const QUOTED = 'WH"QUOTED\\NAME';
const DELETE_ACCOUNT = "ACME'); DELETE FROM ANOMALIES; --";
const DAYS = 60;
const CSV_AS_OF = '2026-03-31';
const SF_AS_OF = '2026-03-30';

/** Two demo warehouses' hours over the 60 days up to `asOf`, renamed (and re-accounted) as given. */
function renamedRows(asOf: string, account: string): HourlyMeteringRow[] {
  const names = [DROP_TABLE, QUOTED];
  return eachDay(addDays(asOf, 1 - DAYS), asOf).flatMap((day) =>
    DEMO_WAREHOUSES.slice(0, 2).flatMap((wh, i) =>
      demoHourlyRows(wh, day, 42).map((row) => ({ ...row, account, warehouseName: names[i] })),
    ),
  );
}

/** Each (account, warehouse name) of metering_hourly with its row count, and the warehouse keys downstream. */
async function storedNames(db: Db) {
  const hourly = await db
    .select({
      account: meteringHourly.account,
      warehouseName: meteringHourly.warehouseName,
      n: sql<number>`count(*)::int`,
    })
    .from(meteringHourly)
    .groupBy(meteringHourly.account, meteringHourly.warehouseName)
    .orderBy(meteringHourly.account, meteringHourly.warehouseName);
  const keys = async (table: typeof meteringDaily | typeof featuresDaily | typeof modelVersions) =>
    (await db.selectDistinct({ warehouse: table.warehouse }).from(table).orderBy(table.warehouse)).map(
      (r) => r.warehouse,
    );
  return {
    hourly: hourly.map((r) => ({ ...r, n: Number(r.n) })),
    daily: await keys(meteringDaily),
    features: await keys(featuresDaily),
    models: await keys(modelVersions),
  };
}

let env: TestWorkflowEnvironment;
let emulator: SnowflakeEmulator;
let csvWorker: TestWorker;
let sfWorker: TestWorker;
let dir: string;
const keys = generateKeyPair();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-sql-'));
  env = await startTemporal();
  emulator = await startSnowflakeEmulator();
  emulator.addUser({ name: SVC_USER, publicKeyPem: keys.publicKeyPem });
  csvWorker = await startTestWorker(env, 42);
  sfWorker = await startTestWorker(env, 42, {
    taskQueue: `${TASK_QUEUE}-snowflake`,
    snowflake: emulatorSettings(emulator, dir, keys.privateKeyPem, undefined, {
      accounts: [DELETE_ACCOUNT, 'ACME_DEV'],
    }),
  });
});

afterAll(async () => {
  await csvWorker?.stop();
  await sfWorker?.stop();
  await emulator?.close();
  await env?.teardown();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function runPipeline(taskQueue: string, asOf: string, source: string): Promise<PipelineResult> {
  return env.client.workflow.execute(WORKFLOW_TYPES.pipeline, {
    taskQueue,
    workflowId: `snowpatrol-pipeline-${asOf}`,
    args: [{ asOf, source, historyDays: DAYS, scoreDays: 7 }],
  });
}

test('from a CSV export: the pipeline completes and the names are stored verbatim', async () => {
  const rows = renamedRows(CSV_AS_OF, 'ACME_PROD');
  writeFile(csvWorker.dir, 'metering.csv', csvText(rows.map(csvRowFrom)));

  const result = await runPipeline(TASK_QUEUE, CSV_AS_OF, 'csv:metering.csv');

  expect(result.ingest).toMatchObject({ rowsRead: rows.length, rowsUpserted: rows.length, warehouses: 2 });
  const keysExpected = [`ACME_PROD.${QUOTED}`, `ACME_PROD.${DROP_TABLE}`].sort();
  expect(result.train.models.map((m) => m.warehouse).sort()).toEqual(keysExpected);
  expect(result.score.scored).toBe(2 * 7);
  const stored = await storedNames(csvWorker.database.db);
  expect(stored.hourly).toEqual(
    [DROP_TABLE, QUOTED].sort().map((warehouseName) => ({
      account: 'ACME_PROD',
      warehouseName,
      n: rows.filter((r) => r.warehouseName === warehouseName).length,
    })),
  );
  for (const table of [stored.daily, stored.features, stored.models]) expect(table).toEqual(keysExpected);
  // Every table is there, and holds what the run wrote.
  const counts = await tableCounts(csvWorker.database.db);
  expect(counts.metering_hourly).toBe(rows.length);
  expect(counts.model_versions).toBe(2);
});

test('from Snowflake: the same, and every date and account filter reaches Snowflake as a bind value', async () => {
  const rows = [...renamedRows(SF_AS_OF, DELETE_ACCOUNT), ...renamedRows(SF_AS_OF, 'ACME_UNLISTED')];
  await emulator.loadMetering(rows);
  const before = emulator.queries.length;

  const result = await runPipeline(`${TASK_QUEUE}-snowflake`, SF_AS_OF, 'snowflake');

  // Only the account the filter names is read.
  expect(result.ingest).toMatchObject({ rowsRead: rows.length / 2, warehouses: 2 });
  const keysExpected = [`${DELETE_ACCOUNT}.${QUOTED}`, `${DELETE_ACCOUNT}.${DROP_TABLE}`].sort();
  expect(result.train.models.map((m) => m.warehouse).sort()).toEqual(keysExpected);
  const stored = await storedNames(sfWorker.database.db);
  expect(stored.hourly.map((h) => [h.account, h.warehouseName])).toEqual(
    [DROP_TABLE, QUOTED].sort().map((name) => [DELETE_ACCOUNT, name]),
  );
  for (const table of [stored.daily, stored.features, stored.models]) expect(table).toEqual(keysExpected);
  expect((await tableCounts(sfWorker.database.db)).metering_hourly).toBe(rows.length / 2);

  const queries = emulator.queries.slice(before);
  expect(queries.length).toBeGreaterThan(DAYS);
  for (const q of queries) {
    expect(q.sqlText).not.toMatch(/\d{4}-\d{2}-\d{2}|ACME|DROP|DELETE|'\)/);
    // The account filter travels as binds, exactly as configured (the query views of cost attribution are in
    // ACCOUNT_USAGE: the connected account's own, with no account filter).
    if (q.sqlText.includes('ORGANIZATION_USAGE')) expect(q.binds.slice(-2)).toEqual([DELETE_ACCOUNT, 'ACME_DEV']);
  }
  expect(queries.filter((q) => q.sqlText.includes('WAREHOUSE_METERING_HISTORY')).length).toBeGreaterThanOrEqual(DAYS);
  // Snowflake's own view is intact too.
  const [{ n }] = await emulator.sql<{ n: number }>(
    'select count(*)::int as n from organization_usage.warehouse_metering_history',
  );
  expect(Number(n)).toBe(rows.length);
});

test("the CLI's warehouse arguments take the names as they are", async () => {
  const cliEnv = isolatedEnv({
    SNOWPATROL_HOME: dir,
    DATABASE_URL: csvWorker.databaseUrl,
    TEMPORAL_ADDRESS: env.address,
  });
  const warehouse = `ACME_PROD.${DROP_TABLE}`;
  const before = await tableCounts(csvWorker.database.db);

  const list = await runCli(['models', 'list', '--warehouse', warehouse, '--json'], cliEnv);
  expect([list.code, list.stderr]).toEqual([0, '']);
  expect((JSON.parse(list.stdout) as { warehouse: string }[]).map((m) => m.warehouse)).toEqual([warehouse]);

  const show = await runCli(['models', 'show', `ACME_PROD.${QUOTED}`, '--json'], cliEnv);
  expect(show.code).toBe(0);
  expect(JSON.parse(show.stdout)).toMatchObject({ warehouse: `ACME_PROD.${QUOTED}`, aliases: expect.any(Array) });

  const none = await runCli(['models', 'show', "NOPE' OR '1'='1"], cliEnv);
  expect([none.code, none.stderr]).toEqual([1, expect.stringContaining("no model for warehouse NOPE' OR '1'='1")]);

  // A snooze is a workflow (its id holds the name) and a row: both take it verbatim.
  const snooze = await runCli(['snooze', warehouse, '--days', '1', '--json'], cliEnv);
  expect([snooze.code, snooze.stderr]).toEqual([0, expect.any(String)]);
  const snoozed = await csvWorker.database.db.select({ warehouse: snoozes.warehouse }).from(snoozes);
  expect(snoozed).toEqual([{ warehouse }]);
  const snoozeRun = await env.client.workflow.getHandle(`snowpatrol-snooze-${warehouse}`).describe();
  expect(snoozeRun.type).toBe(WORKFLOW_TYPES.snooze);

  expect(await tableCounts(csvWorker.database.db)).toEqual(before);
});
