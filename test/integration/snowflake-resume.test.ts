/**
 * kill -9 of the worker in the middle of a multi-day Snowflake ingest: a new worker resumes after the last day
 * the first one finished (from the heartbeat details), and the loaded data is exactly the source's.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../../activities/store/database';
import { TASK_QUEUE, WORKFLOW_TYPES } from '../../schemas/constants';
import { addDays } from '../../schemas/dates';
import type { IngestResult } from '../../schemas/results';
import { ingestedDays, meteringHourly } from '../../schemas/tables';
import { generateKeyPair, startSnowflakeEmulator, type SnowflakeEmulator } from '../emulator';
import { loadOrg, orgRows, SVC_USER } from '../fixtures/snowflake-org';
import { isolatedEnv, startCli, type RunningCli } from '../helpers/cli';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { startTemporal, temporalCliPath } from '../helpers/temporal';

const FROM = '2026-04-01';
const TO = '2026-04-20';
const keys = generateKeyPair();

let env: TestWorkflowEnvironment;
let emulator: SnowflakeEmulator;
let testDb: TestDatabase;
let database: Database;
let dir: string;
const workers: RunningCli[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-resume-'));
  env = await startTemporal();
  emulator = await startSnowflakeEmulator();
  emulator.addUser({ name: SVC_USER, publicKeyPem: keys.publicKeyPem });
  await loadOrg(emulator, orgRows(FROM, TO, 5));
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.url });
});

afterAll(async () => {
  for (const w of workers) {
    w.kill('SIGKILL');
    await w.exited;
  }
  await database?.close();
  await testDb?.drop();
  await emulator?.close();
  await env?.teardown();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `snowpatrol worker` in its own process, configured only through the environment, as in production. */
async function startWorker(): Promise<RunningCli> {
  const keyPath = path.join(dir, 'rsa_key.p8');
  fs.writeFileSync(keyPath, keys.privateKeyPem, { mode: 0o600 });
  const worker = startCli(
    ['worker'],
    isolatedEnv({
      TEMPORAL_ADDRESS: env.address,
      DATABASE_URL: testDb.url,
      TEMPORAL_CLI_PATH: temporalCliPath(),
      SNOWPATROL_HOME: dir,
      SNOWFLAKE_ACCOUNT: emulator.account,
      SNOWFLAKE_USER: SVC_USER,
      SNOWFLAKE_PRIVATE_KEY_PATH: keyPath,
      SNOWFLAKE_ACCESS_URL: emulator.url,
    }),
  );
  workers.push(worker);
  const deadline = Date.now() + 60_000;
  while (!worker.output().includes('snowpatrol worker:')) {
    if (Date.now() > deadline) throw new Error(`worker did not start:\n${worker.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return worker;
}

async function daysLoaded(): Promise<number> {
  const [row] = await database.db.select({ n: sql<number>`count(*)::int` }).from(ingestedDays);
  return row.n;
}

test('a worker killed mid-ingest is replaced, and the new one resumes after the last finished day', async () => {
  // Every query takes 3 s (with two days read ahead, about 1 s a day), so the kill lands mid-ingest.
  emulator.faults.delayNext(1000, 3000);
  const first = await startWorker();
  const handle = await env.client.workflow.start(WORKFLOW_TYPES.ingest, {
    taskQueue: TASK_QUEUE,
    workflowId: 'sf-resume',
    args: [{ asOf: TO, source: 'snowflake', from: FROM, to: TO }],
  });

  const started = Date.now();
  // Wait for finished days and for a heartbeat carrying them: the first heartbeat goes out at once, later ones
  // are flushed at most every 5 s (the worker's heartbeat throttle).
  while ((await daysLoaded()) < 6 || Date.now() - started < 13_000) await new Promise((r) => setTimeout(r, 200));
  first.kill('SIGKILL');
  await first.exited;
  const queriesAtKill = emulator.queries.length;
  const loadedAtKill = await daysLoaded();
  expect(loadedAtKill).toBeLessThan(20);

  const second = await startWorker();
  const result = (await handle.result()) as IngestResult;

  // The replacement did not start over: its first metering query is for a day after the first one.
  const resumedQueries = emulator.queries
    .slice(queriesAtKill)
    .filter((q) => q.sqlText.includes('WAREHOUSE_METERING_HISTORY'));
  const firstResumedDay = String(resumedQueries[0].binds[0]).slice(0, 10);
  expect(firstResumedDay > addDays(FROM, 1)).toBe(true);
  expect(resumedQueries.length).toBeLessThan(20);
  expect(second.output()).toContain('resuming metering extract');

  // Exact: every hourly row of the source once, credits to the last digit.
  const [stored] = await database.db
    .select({ n: sql<number>`count(*)::int`, credits: sql<string>`sum(${meteringHourly.creditsUsed})::text` })
    .from(meteringHourly);
  const [source] = await emulator.sql<{ n: number; credits: string }>(
    'select count(*)::int as n, sum(credits_used)::text as credits from organization_usage.warehouse_metering_history',
  );
  expect({ n: stored.n, credits: stored.credits }).toEqual({ n: Number(source.n), credits: source.credits });
  expect(await daysLoaded()).toBe(20);
  expect(result.days).toBe(20);
}, 180_000);
