/**
 * Whole pipeline runs (`snowpatrolPipeline`, the schedule's and the CLI's start options) by a real `snowpatrol
 * worker` process reading the Snowflake emulator through snowflake-sdk and alerting into the Slack Web API fake,
 * while things go wrong:
 * - transient faults — HTTP 503s, a dropped connection, an expired session, slow answers and one statement stuck
 *   past SNOWFLAKE_QUERY_TIMEOUT_SECONDS on the Snowflake side, a 429 on Slack's — are ridden out: the run
 *   completes, the metering equals the source row for row, and every anomaly is alerted exactly once;
 * - permanent faults fail the run at once (one attempt, no retry loop), saying what to fix: a key Snowflake no
 *   longer accepts and a wrong password post a failure alert to Slack; a refused Slack token cannot, so the
 *   failure is in the workflow's failure and the worker's log.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { openDatabase, type Database } from '../../activities/store/database';
import { WORKFLOW_TYPES } from '../../schemas/constants';
import { addDays } from '../../schemas/dates';
import type { PipelineResult } from '../../schemas/results';
import { pipelineStartOptions } from '../../schemas/start-policies';
import { buildWorkflowBundle } from '../../worker/build-bundle';
import { generateKeyPair, startSnowflakeEmulator, type RecordedQuery, type SnowflakeEmulator } from '../emulator';
import { loadOrg, orgRows, SVC_USER } from '../fixtures/snowflake-org';
import { tempDir } from '../fixtures/temp-dir';
import { isolatedEnv, startNodeCli, type CapturedProcess } from '../helpers/cli';
import { auditAlerts, slackMessages, sourceMetering, storedMetering } from '../helpers/exactness';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { pollsTaskQueue, startTemporal } from '../helpers/temporal';
import { startSlackFake, type SlackFake } from '../slack-fake';

const SEED = 42;
/** The demo organisation's week up to this day has anomalies (2026-03-19: one per account). */
const DAY = '2026-03-21';
const PW_USER = 'SNOWPATROL_PW';
/** A statement answered later than this is cancelled and retried on a fresh session. */
const QUERY_TIMEOUT_SECONDS = 8;
/** "Fails fast": well under the first retry intervals (1–5 s, doubling) of a retried failure, on a slow machine. */
const FAST_SECONDS = 45;

const keys = generateKeyPair();
let env: TestWorkflowEnvironment;
let emulator: SnowflakeEmulator;
let fake: SlackFake;
let dir: string;
let bundleFile: string;
let keyPath: string;
const databases: TestDatabase[] = [];
const opened: Database[] = [];
let worker: CapturedProcess | undefined;

beforeAll(async () => {
  dir = tempDir();
  env = await startTemporal();
  emulator = await startSnowflakeEmulator();
  emulator.addUser({ name: SVC_USER, publicKeyPem: keys.publicKeyPem });
  emulator.addUser({ name: PW_USER, password: 'the-right-password' });
  await loadOrg(emulator, orgRows(addDays(DAY, -130), addDays(DAY, 6), SEED));
  fake = await startSlackFake();
  keyPath = path.join(dir, 'snowpatrol_key.p8');
  fs.writeFileSync(keyPath, keys.privateKeyPem, { mode: 0o600 });
  // One workflow bundle for every worker this file starts, instead of webpack in each of them.
  ({ file: bundleFile } = await buildWorkflowBundle(path.join(dir, 'workflow-bundle.js')));
}, 180_000);

afterAll(async () => {
  await stopWorker();
  for (const d of opened) await d.close();
  for (const d of databases) await d.drop();
  await fake?.stop();
  await emulator?.close();
  await env?.teardown();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function newDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  databases.push(db);
  return db;
}

type Auth = { SNOWFLAKE_PRIVATE_KEY_PATH: string } | { SNOWFLAKE_USER: string; SNOWFLAKE_PASSWORD: string };

/** `snowpatrol worker` configured for the emulator and the Slack fake; resolves once it polls the task queue. */
async function startWorker(databaseUrl: string, auth: Auth, slackToken = fake.token): Promise<CapturedProcess> {
  await stopWorker();
  const started = startNodeCli(
    ['worker'],
    isolatedEnv({
      SNOWPATROL_HOME: path.join(dir, 'home'),
      SNOWPATROL_WORKFLOW_BUNDLE: bundleFile,
      TEMPORAL_ADDRESS: env.address,
      DATABASE_URL: databaseUrl,
      SNOWFLAKE_ACCOUNT: emulator.account,
      SNOWFLAKE_USER: SVC_USER,
      SNOWFLAKE_ACCESS_URL: emulator.url,
      SNOWFLAKE_QUERY_TIMEOUT_SECONDS: String(QUERY_TIMEOUT_SECONDS),
      ...auth,
      SLACK_BOT_TOKEN: slackToken,
      SLACK_CHANNEL: '#snowpatrol-alerts',
      SLACK_API_URL: fake.apiUrl,
    }),
  );
  worker = started;
  let exited = false;
  void started.exited.then(() => (exited = true));
  const deadline = Date.now() + 120_000;
  while (!(await pollsTaskQueue(env.client, started.pid))) {
    if (exited || Date.now() > deadline) throw new Error(`the worker did not start polling:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return started;
}

/** Drain the worker (SIGTERM), SIGKILL if it has not stopped in 40 s. */
async function stopWorker(): Promise<void> {
  const running = worker;
  worker = undefined;
  if (!running) return;
  running.kill('SIGTERM');
  const timer = setTimeout(() => running.kill('SIGKILL'), 40_000);
  await running.exited;
  clearTimeout(timer);
}

/** The pipeline for `asOf`, started as `snowpatrol run` and the schedule start it; a week scored. */
function startPipeline(asOf: string): Promise<WorkflowHandle> {
  return env.client.workflow.start(WORKFLOW_TYPES.pipeline, {
    ...pipelineStartOptions(asOf),
    args: [{ asOf, source: 'snowflake', scoreDays: 7 }],
  });
}

/** The run's failure (it must fail) and how long it took from start to failure. */
async function failureOf(handle: WorkflowHandle, started: number) {
  const error = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return { error: error as WorkflowFailedError, seconds: (Date.now() - started) / 1000 };
}

/** Every failure in a cause chain, outermost first: `type: message` for application failures. */
function causeMessages(err: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const type = (e as { type?: unknown }).type;
    messages.push(typeof type === 'string' ? `${type}: ${e.message}` : e.message);
  }
  return messages.join(' <- ');
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The history of a run and of each stage run (child) it started. */
async function runHistories(handle: WorkflowHandle): Promise<HistoryEvent[][]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const histories = [events];
  for (const e of events) {
    const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (!child?.workflowId) continue;
    const h = env.client.workflow.getHandle(child.workflowId, child.runId ?? undefined);
    histories.push((await h.fetchHistory()).events ?? []);
  }
  return histories;
}

/** The attempt count of every activity in these histories, by activity type. */
function attemptsByType(histories: HistoryEvent[][]): Record<string, number[]> {
  const attempts: Record<string, number[]> = {};
  for (const events of histories) {
    const types = new Map<string, string>();
    for (const e of events) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled) types.set(String(e.eventId), scheduled.activityType?.name ?? '?');
      const started = e.activityTaskStartedEventAttributes;
      if (started) (attempts[types.get(String(started.scheduledEventId)) ?? '?'] ??= []).push(started.attempt ?? 1);
    }
  }
  return attempts;
}

/** Why retried activities were retried: the failure of the attempt before, recorded on the started event. */
function retriedBecause(histories: HistoryEvent[][]): string[] {
  return histories.flat().flatMap((e) => {
    const failure = e.activityTaskStartedEventAttributes?.lastFailure;
    return failure ? [`${failure.applicationFailureInfo?.type ?? ''}: ${failure.message ?? ''}`] : [];
  });
}

/** The activity that sent a recorded Snowflake statement, from its QUERY_TAG. */
function queryActivity(q: RecordedQuery): string | undefined {
  try {
    return (JSON.parse(String(q.parameters.QUERY_TAG)) as { activity?: string }).activity;
  } catch {
    return undefined;
  }
}

async function waitUntil(probe: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const failureAlerts = () => fake.messages().filter((m) => m.metadata?.event_type === 'snowpatrol_failure');

describe('transient faults on both sides', () => {
  test('Snowflake 503s, a drop, an expired session, slow and stuck answers and a Slack 429: exact, alerted once', async () => {
    const db = await newDatabase();
    await startWorker(db.url, { SNOWFLAKE_PRIVATE_KEY_PATH: keyPath });
    const stats = { ...emulator.stats };
    const queriesBefore = emulator.queries.length;
    // At the first query of the run (the readiness check): two HTTP 503s, which the driver retries itself, and a
    // session that expires and must be renewed.
    emulator.faults.failNext(2, 503);
    emulator.faults.expireSessionNext();
    fake.faults.rateLimitNext('chat.postMessage', 1);

    const handle = await startPipeline(DAY);
    const extractStatements = () =>
      emulator.queries.slice(queriesBefore).filter((q) => queryActivity(q) === 'extractWarehouseMetering').length;
    // Half-way through the extract (a 120-day first load, one statement per day): a connection dropped mid-answer,
    // two slow answers, then one stuck past SNOWFLAKE_QUERY_TIMEOUT_SECONDS, which is cancelled and retried.
    await waitUntil(() => extractStatements() >= 60, 'the extract is half-way');
    emulator.faults.dropNext(1);
    emulator.faults.delayNext(2, 1_500);
    emulator.faults.delayNext(1, (QUERY_TIMEOUT_SECONDS + 4) * 1000);
    const result: PipelineResult = await handle.result();
    const statements = extractStatements();

    // Every fault was met, and ridden out.
    expect(emulator.stats.failedByFault - stats.failedByFault).toBe(3);
    expect(emulator.stats.renewals).toBeGreaterThan(stats.renewals);
    const histories = await runHistories(handle);
    expect(retriedBecause(histories).some((m) => m.includes('SNOWFLAKE_QUERY_TIMEOUT_SECONDS'))).toBe(true);
    // The extract was retried (the drop and the stuck statement may each fail an attempt) and every retry resumed
    // after the last day it had finished: a few days read twice (those in flight), not the first 60 again.
    const [extractTries] = attemptsByType(histories).extractWarehouseMetering;
    expect(extractTries).toBeGreaterThanOrEqual(2);
    expect(extractTries).toBeLessThanOrEqual(3);
    expect(statements).toBeLessThanOrEqual(result.ingest.days + 15);
    const posts = fake.calls.filter((c) => c.method === 'chat.postMessage');
    expect(posts.map((c) => c.status)).toContain(429);

    // Exact: the source's rows, row for row; every anomaly in exactly one message, recorded as sent once.
    const database = await openDatabase({ databaseUrl: db.url });
    opened.push(database);
    const stored = await storedMetering(database.db, result.ingest.from, result.ingest.to);
    const source = await sourceMetering(emulator, result.ingest.from, result.ingest.to);
    expect(stored).toEqual(source);
    expect(stored.rows).toBe(result.ingest.rowsRead);
    const alerts = await auditAlerts(database.db, slackMessages(fake));
    expect(alerts.problems).toEqual([]);
    expect(alerts.anomalies).toBeGreaterThan(0);
    expect(posts.filter((c) => c.status === 200)).toHaveLength(alerts.messages);
    expect(failureAlerts()).toEqual([]);
    process.stderr.write(
      `run faults: ${stored.rows} rows, ${stored.credits} credits equal to the source; ` +
        `${alerts.alertedOnce}/${alerts.anomalies} anomalies alerted once in ${alerts.messages} message(s); ` +
        `${emulator.stats.failedByFault - stats.failedByFault} failed requests, ${statements} extract statements ` +
        `for ${result.ingest.days} days, ` +
        `attempts: ${JSON.stringify(attemptsByType(histories))}; retried because: ${retriedBecause(histories).join(' | ')}\n`,
    );
  }, 300_000);
});

describe('permanent faults fail the run at once, saying what to fix', () => {
  test('a key Snowflake no longer accepts: one attempt, a failure alert in Slack naming the key setting', async () => {
    const db = await newDatabase();
    await startWorker(db.url, { SNOWFLAKE_PRIVATE_KEY_PATH: keyPath });
    // The user's registered public key is replaced (ALTER USER … SET RSA_PUBLIC_KEY): the worker's key is revoked.
    emulator.addUser({ name: SVC_USER, publicKeyPem: generateKeyPair().publicKeyPem });
    try {
      const asOf = addDays(DAY, 1);
      const started = Date.now();
      const handle = await startPipeline(asOf);
      const { error, seconds } = await failureOf(handle, started);

      expect(causeMessages(error)).toContain('SnowflakeAuthError');
      expect(causeMessages(error)).toContain('SNOWFLAKE_PRIVATE_KEY_PATH');
      expect(seconds).toBeLessThan(FAST_SECONDS);
      const attempts = attemptsByType(await runHistories(handle));
      expect(
        Object.values(attempts)
          .flat()
          .every((a) => a === 1),
      ).toBe(true);
      expect(attempts.sendFailureAlert).toEqual([1]);

      const [alert] = failureAlerts().filter((m) => m.text?.includes(asOf));
      expect(alert).toBeDefined();
      const text = JSON.stringify(alert.blocks);
      expect(text).toContain('SnowflakeAuthError');
      expect(text).toContain('SNOWFLAKE_PRIVATE_KEY_PATH');
      expect(failureAlerts().filter((m) => m.text?.includes(asOf))).toHaveLength(1);
    } finally {
      emulator.addUser({ name: SVC_USER, publicKeyPem: keys.publicKeyPem });
    }
  }, 180_000);

  test('a wrong password: one attempt, a failure alert in Slack naming SNOWFLAKE_PASSWORD', async () => {
    const db = await newDatabase();
    await startWorker(db.url, { SNOWFLAKE_USER: PW_USER, SNOWFLAKE_PASSWORD: 'not-the-password' });
    const asOf = addDays(DAY, 2);
    const started = Date.now();
    const handle = await startPipeline(asOf);
    const { error, seconds } = await failureOf(handle, started);

    expect(causeMessages(error)).toContain('SnowflakeAuthError');
    expect(causeMessages(error)).toContain('SNOWFLAKE_PASSWORD');
    expect(causeMessages(error)).not.toContain('not-the-password');
    expect(seconds).toBeLessThan(FAST_SECONDS);
    const attempts = attemptsByType(await runHistories(handle));
    expect(
      Object.values(attempts)
        .flat()
        .every((a) => a === 1),
    ).toBe(true);

    const alerts = failureAlerts().filter((m) => m.text?.includes(asOf));
    expect(alerts).toHaveLength(1);
    expect(JSON.stringify(alerts[0].blocks)).toContain('SNOWFLAKE_PASSWORD');
    expect(JSON.stringify(alerts[0].blocks)).not.toContain('not-the-password');
  }, 180_000);

  test('a Slack token Slack refuses: the notify stage fails once with invalid_auth; the failure is in the run and the log', async () => {
    const db = await newDatabase();
    const w = await startWorker(db.url, { SNOWFLAKE_PRIVATE_KEY_PATH: keyPath }, 'xoxb-revoked-token');
    const messagesBefore = fake.messages().length;
    const handle = await startPipeline(addDays(DAY, 3));
    const { error } = await failureOf(handle, Date.now());

    expect(causeMessages(error)).toContain('invalid_auth');
    expect(causeMessages(error)).toContain('check SLACK_BOT_TOKEN');
    const histories = await runHistories(handle);
    const attempts = attemptsByType(histories);
    expect(attempts.sendAnomalyAlerts).toEqual([1]);
    expect(attempts.sendFailureAlert).toEqual([1]);
    // From the notify stage's start to the run's failure: no retry loop.
    const notifyStarted = histories[0].find(
      (e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name === WORKFLOW_TYPES.notify,
    );
    const failedAt = (await handle.describe()).closeTime?.getTime() ?? 0;
    const notifyAt = Number(notifyStarted?.eventTime?.seconds ?? 0) * 1000;
    expect((failedAt - notifyAt) / 1000).toBeLessThan(FAST_SECONDS);
    // Nothing could be posted: the failure shows in the run (above) and in the worker's log.
    expect(fake.messages()).toHaveLength(messagesBefore);
    await stopWorker();
    const log = w.output();
    expect(log).toContain('invalid_auth');
    expect(log).toMatch(/sendFailureAlert/);
  }, 300_000);
});
