/**
 * The servers snowpatrol depends on go away in the middle of a run and come back: Postgres restarted (fast
 * shutdown, down a few seconds), and the Temporal server stopped for 30 s and started again on its kept state.
 * The worker — a `snowpatrol worker` child process, never restarted by the test — rides both out: activities retry,
 * it reconnects by itself, and the run completes with exact data (metering equal to the Snowflake source row for
 * row, a sound model registry, every anomaly alerted exactly once).
 *
 * Neither shared server is touched: Postgres is a private cluster (test/helpers/private-postgres.ts) and Temporal
 * a dev server started from the CLI binary on fixed ports with its state in a temp file
 * (test/helpers/restartable-temporal.ts). Snowflake is the emulator, Slack the fake.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../../activities/store/database';
import { SEARCH_ATTRIBUTES, WORKFLOW_TYPES, workflowIdFor, type Stage } from '../../schemas/constants';
import { addDays } from '../../schemas/dates';
import type { PipelineInput } from '../../schemas/inputs';
import type { PipelineResult } from '../../schemas/results';
import { pipelineStartOptions } from '../../schemas/start-policies';
import { ingestedDays } from '../../schemas/tables';
import { buildWorkflowBundle } from '../../worker/build-bundle';
import { generateKeyPair, startSnowflakeEmulator, type SnowflakeEmulator } from '../emulator';
import { loadOrg, orgRows, SVC_USER } from '../fixtures/snowflake-org';
import { isolatedEnv, startNodeCli, type CapturedProcess } from '../helpers/cli';
import {
  activityAttempts,
  auditAlerts,
  auditModels,
  slackMessages,
  sourceMetering,
  storedMetering,
} from '../helpers/exactness';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres';
import { startRestartableTemporal, type RestartableTemporal } from '../helpers/restartable-temporal';
import { startSlackFake, type SlackFake } from '../slack-fake';

const SEED = 42;
const HISTORY_DAYS = 120;
const INPUT: Omit<PipelineInput, 'asOf'> = {
  source: 'snowflake',
  historyDays: HISTORY_DAYS,
  scoreDays: 3,
  waitForData: false,
};
const STAGES: Stage[] = ['ingest', 'features', 'train', 'score', 'notify'];
const keys = generateKeyPair();

let temporalServer: RestartableTemporal;
let connection: Connection;
let client: Client;
let pg: PrivatePostgres;
let emulator: SnowflakeEmulator;
let dir: string;
let bundleFile: string;
let keyPath: string;
const cleanups: (() => Promise<unknown>)[] = [];
const workers: CapturedProcess[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-restart-'));
  keyPath = path.join(dir, 'rsa_key.p8');
  fs.writeFileSync(keyPath, keys.privateKeyPem, { mode: 0o600 });
  ({ file: bundleFile } = await buildWorkflowBundle(path.join(dir, 'workflow-bundle.js')));
  temporalServer = await startRestartableTemporal();
  connection = await Connection.connect({ address: temporalServer.address });
  client = new Client({ connection });
  pg = await startPrivatePostgres();
  emulator = await startSnowflakeEmulator();
  emulator.addUser({ name: SVC_USER, publicKeyPem: keys.publicKeyPem });
  await loadOrg(emulator, orgRows('2025-11-01', '2026-04-30', SEED));
}, 180_000);

afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error(err));
  await connection?.close();
  await temporalServer?.destroy();
  await pg?.destroy();
  await emulator?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** One pipeline run for `asOf` on a fresh database of the private cluster, with its own Slack fake and worker. */
interface Run {
  asOf: string;
  handle: WorkflowHandle;
  database: Database;
  fake: SlackFake;
  worker: CapturedProcess;
}

/** Stop the workers of earlier scenarios: they poll the same task queue, but write to their own databases. */
async function stopWorkers(): Promise<void> {
  for (const worker of workers.splice(0)) {
    worker.kill('SIGTERM');
    await worker.exited;
  }
}

async function startRun(asOf: string): Promise<Run> {
  await stopWorkers();
  const url = await pg.createDatabase(`snowpatrol_${asOf.replace(/-/g, '_')}`);
  const database = await openDatabase({ databaseUrl: url, maxConnections: 2 });
  cleanups.push(() => database.close());
  const fake = await startSlackFake();
  cleanups.push(() => fake.stop());
  const home = fs.mkdtempSync(path.join(dir, 'home-'));
  const worker = startNodeCli(
    ['worker'],
    isolatedEnv({
      SNOWPATROL_HOME: home,
      SNOWPATROL_WORKFLOW_BUNDLE: bundleFile,
      TEMPORAL_ADDRESS: temporalServer.address,
      DATABASE_URL: url,
      SNOWFLAKE_ACCOUNT: emulator.account,
      SNOWFLAKE_USER: SVC_USER,
      SNOWFLAKE_PRIVATE_KEY_PATH: keyPath,
      SNOWFLAKE_ACCESS_URL: emulator.url,
      SLACK_BOT_TOKEN: fake.token,
      SLACK_CHANNEL: '#snowpatrol-alerts',
      SLACK_API_URL: fake.apiUrl,
    }),
  );
  workers.push(worker);
  await waitFor(async () => worker.output().includes('snowpatrol worker:'), 'the worker to start', worker, 90_000);
  const handle = await client.workflow.start(WORKFLOW_TYPES.pipeline, {
    ...pipelineStartOptions(asOf),
    args: [{ asOf, ...INPUT }],
    typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.asOf, value: asOf }],
  });
  return { asOf, handle, database, fake, worker };
}

/** Days of the ingest window already loaded: how far into the first stage the run is. */
async function daysIngested(database: Database): Promise<number> {
  const [row] = await database.db.select({ n: sql<number>`count(*)::int` }).from(ingestedDays);
  return row.n;
}

/** Polls until the run is closed, riding out a server that is down; returns its status. */
async function closedStatus(run: Run, timeoutMs: number): Promise<string> {
  let status = 'RUNNING';
  await waitFor(
    async () => {
      status = await run.handle.describe().then(
        (d) => d.status.name,
        () => 'RUNNING',
      );
      return status !== 'RUNNING';
    },
    `${run.handle.workflowId} to close`,
    run.worker,
    timeoutMs,
  );
  return status;
}

/** The exactness checks every scenario ends with, and the numbers the note reports. */
async function checkExact(run: Run) {
  const result = (await run.handle.result()) as PipelineResult;
  const incomplete: string[] = [];
  for (const stage of ['pipeline', ...STAGES] as Stage[]) {
    const status = (await client.workflow.getHandle(workflowIdFor(stage, run.asOf)).describe()).status.name;
    if (status !== 'COMPLETED') incomplete.push(`${stage}: ${status}`);
  }
  expect(incomplete).toEqual([]);
  const from = addDays(run.asOf, 1 - HISTORY_DAYS);
  const stored = await storedMetering(run.database.db, from, run.asOf);
  expect(stored).toEqual(await sourceMetering(emulator, from, run.asOf));
  expect(result.ingest.days).toBe(HISTORY_DAYS);
  const models = await auditModels(run.database.db);
  expect(models.problems).toEqual([]);
  expect(models.versions).toBeGreaterThan(0);
  const alerts = await auditAlerts(run.database.db, slackMessages(run.fake));
  expect(alerts.problems).toEqual([]);
  expect(alerts.anomalies).toBeGreaterThan(0);
  return {
    meteringRows: stored.rows,
    credits: stored.credits,
    modelVersions: models.versions,
    anomalies: alerts.anomalies,
    alertedOnce: alerts.alertedOnce,
    messages: alerts.messages,
    postCalls: run.fake.calls.filter((c) => c.method === 'chat.postMessage').length,
  };
}

test('Postgres restarted mid-ingest: the activities retry and the run completes exactly', async () => {
  // Slow every Snowflake answer a little so the load takes long enough to be interrupted in the middle.
  emulator.faults.delayNext(HISTORY_DAYS + 20, 150);
  const run = await startRun('2026-03-19');
  await waitFor(async () => (await daysIngested(run.database)) >= HISTORY_DAYS / 3, 'a third of the days', run.worker);
  const loadedAtStop = await daysIngested(run.database);
  await pg.stop('fast');
  const stoppedAt = Date.now();
  await sleep(5_000);
  await pg.start();
  const restartedAt = Date.now();
  emulator.faults.reset();

  expect(await closedStatus(run, 300_000)).toBe('COMPLETED');
  const recoverSeconds = (Date.now() - restartedAt) / 1000;
  const ingest = client.workflow.getHandle(workflowIdFor('ingest', run.asOf));
  const attempts = await activityAttempts(ingest, 'extractWarehouseMetering');
  const numbers = await checkExact(run);
  // The load was cut off by the shutdown and finished by a retry (which resumed after the heartbeated day).
  expect(loadedAtStop).toBeLessThan(HISTORY_DAYS);
  expect(attempts).toBeGreaterThanOrEqual(2);
  // The worker process survived: it was never restarted.
  expect(await stillRunning(run.worker)).toBe(true);
  console.log(
    JSON.stringify({
      scenario: 'Postgres fast shutdown mid-ingest, down 5 s',
      daysLoadedAtStop: loadedAtStop,
      downSeconds: (restartedAt - stoppedAt) / 1000,
      ingestAttempts: attempts,
      recoverSeconds,
      ...numbers,
    }),
  );
}, 420_000);

test('the Temporal server stopped for 30 s mid-ingest: the worker reconnects by itself and the run completes', async () => {
  emulator.faults.delayNext(HISTORY_DAYS + 20, 150);
  const run = await startRun('2026-03-20');
  await waitFor(async () => (await daysIngested(run.database)) >= HISTORY_DAYS / 3, 'a third of the days', run.worker);
  const loadedAtStop = await daysIngested(run.database);
  await temporalServer.stop();
  const stoppedAt = Date.now();
  await sleep(30_000);
  // The worker kept working without its server (the database and Snowflake were there), and is still running.
  const loadedWhileDown = await daysIngested(run.database);
  await temporalServer.start();
  const restartedAt = Date.now();
  emulator.faults.reset();

  expect(await closedStatus(run, 300_000)).toBe('COMPLETED');
  const recoverSeconds = (Date.now() - restartedAt) / 1000;
  const ingest = client.workflow.getHandle(workflowIdFor('ingest', run.asOf));
  const attempts = await activityAttempts(ingest, 'extractWarehouseMetering');
  const numbers = await checkExact(run);
  expect(loadedAtStop).toBeLessThan(HISTORY_DAYS);
  expect(await stillRunning(run.worker)).toBe(true);
  console.log(
    JSON.stringify({
      scenario: 'Temporal dev server stopped 30 s mid-ingest, restarted on its state',
      daysLoadedAtStop: loadedAtStop,
      daysLoadedWhileDown: loadedWhileDown,
      downSeconds: (restartedAt - stoppedAt) / 1000,
      ingestAttempts: attempts,
      recoverSeconds,
      ...numbers,
    }),
  );
}, 420_000);

async function waitFor(
  probe: () => Promise<boolean>,
  what: string,
  worker: CapturedProcess,
  timeoutMs = 180_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${worker.output().slice(-4000)}`);
    await sleep(250);
  }
}

async function stillRunning(worker: CapturedProcess): Promise<boolean> {
  return (await Promise.race([worker.exited.then(() => false), sleep(100).then(() => true)])) as boolean;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
