/**
 * kill -9 of the worker in the middle of each stage of a three-day backfill, then a new worker: every workflow
 * completes, the loaded metering is the Snowflake source's row for row, the model registry has no orphan or
 * duplicate, every anomaly is alerted exactly once — and models, anomalies and alerts are exactly those of the
 * same backfill run undisturbed.
 *
 * Real parts only: `snowpatrol worker` child processes (SIGKILLed), a real Temporal dev server (one namespace per
 * scenario, so the scenarios share as-of days and run side by side), real Postgres (a database per scenario), the
 * real snowflake-sdk against the Snowflake emulator, the real Slack WebClient against the Slack fake.
 *
 * "In the middle of a stage" is made exact rather than lucky: a write of the stage is held on a real Postgres table
 * lock (another session holds `LOCK … IN EXCLUSIVE MODE`, as a migration or a long transaction would), and the
 * worker is killed once the stage child's activity is STARTED (from DescribeWorkflowExecution) and blocked on that
 * lock (from pg_stat_activity). Ingest is held only after a third of its days are loaded; features and score at
 * their first write, after reading and computing; train on the alias moves right after new version rows are
 * written; notify after Slack has taken the post but before the worker has the answer (the window where an alert
 * could be sent twice).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { msToTs, SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import postgres from 'postgres';
import { openDatabase } from '../../activities/store/database';
import { SEARCH_ATTRIBUTES, WORKFLOW_TYPES, workflowIdFor, type Stage } from '../../schemas/constants';
import { addDays } from '../../schemas/dates';
import type { PipelineInput } from '../../schemas/inputs';
import type { PipelineResult } from '../../schemas/results';
import { pipelineStartOptions } from '../../schemas/start-policies';
import { anomalies, modelVersions } from '../../schemas/tables';
import { buildWorkflowBundle } from '../../worker/build-bundle';
import { generateKeyPair, startSnowflakeEmulator, type SnowflakeEmulator } from '../emulator';
import { loadOrg, orgRows, SVC_USER } from '../fixtures/snowflake-org';
import { isolatedEnv, startNodeCli, type CapturedProcess } from '../helpers/cli';
import {
  activityAttempts,
  auditAlerts,
  auditModels,
  modelFingerprints,
  slackMessages,
  sourceMetering,
  storedMetering,
} from '../helpers/exactness';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { startTemporal } from '../helpers/temporal';
import { startSlackFake, type SlackFake } from '../slack-fake';

const SEED = 42;
/** The backfill: three as-of days, one after another (as a schedule backfill runs them). */
const DAYS = ['2026-03-19', '2026-03-20', '2026-03-21'];
const HISTORY_DAYS = 120;
const INPUT: Omit<PipelineInput, 'asOf'> = {
  source: 'snowflake',
  historyDays: HISTORY_DAYS,
  // Each day re-judges the two before it: a re-scored anomaly must not be alerted again.
  scoreDays: 3,
  waitForData: false,
};
/** Every hour the backfill loads: the first day's history through the last as-of day. */
const FIRST_DAY = addDays(DAYS[0], 1 - HISTORY_DAYS);
const LAST_DAY = DAYS[DAYS.length - 1];
const CRASHED_STAGES = ['ingest', 'features', 'train', 'score', 'notify'] as const;
type CrashedStage = (typeof CRASHED_STAGES)[number];
/** The activity that does each stage's work. */
const STAGE_ACTIVITY: Record<CrashedStage, string> = {
  ingest: 'extractWarehouseMetering',
  features: 'computeDailyFeatures',
  train: 'trainWarehouseModels',
  score: 'scoreWarehouseDays',
  notify: 'sendAnomalyAlerts',
};
const keys = generateKeyPair();

let env: TestWorkflowEnvironment;
let emulator: SnowflakeEmulator;
let dir: string;
let bundleFile: string;
let keyPath: string;
let reference: Promise<Outcome>;
const crashed = new Map<CrashedStage, Promise<Outcome>>();
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-crash-'));
  keyPath = path.join(dir, 'rsa_key.p8');
  fs.writeFileSync(keyPath, keys.privateKeyPem, { mode: 0o600 });
  // One workflow bundle for every worker this file starts, instead of webpack in each of them.
  ({ file: bundleFile } = await buildWorkflowBundle(path.join(dir, 'workflow-bundle.js')));
  env = await startTemporal();
  await registerNamespaces(env, ['reference', ...CRASHED_STAGES.map(namespaceOf)]);
  emulator = await startSnowflakeEmulator();
  emulator.addUser({ name: SVC_USER, publicKeyPem: keys.publicKeyPem });
  await loadOrg(emulator, orgRows(addDays(FIRST_DAY, -7), addDays(LAST_DAY, 7), SEED));
  // The same backfill, undisturbed, in its own namespace and database: what every crashed one must end up as. The
  // scenarios run side by side: most of each one's time is the wait for the killed activity's heartbeat timeout.
  reference = inBackground(runBackfill(await testDatabase(), 'reference', undefined));
  for (const stage of CRASHED_STAGES) {
    crashed.set(stage, inBackground(runBackfill(await testDatabase(), namespaceOf(stage), stage)));
  }
}, 180_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error(err));
  await emulator?.close();
  await env?.teardown();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A database of its own for a scenario (created one at a time: their names are made from the clock). */
async function testDatabase(): Promise<TestDatabase> {
  const testDb = await createTestDatabase();
  cleanups.push(() => testDb.drop());
  return testDb;
}

/** A promise awaited later by a test: its rejection is that test's failure, not an unhandled one. */
function inBackground<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

function namespaceOf(stage: CrashedStage): string {
  return `crash-${stage}`;
}

/** What a finished backfill left behind, in the terms the checks compare. */
interface Outcome {
  namespace: string;
  results: PipelineResult[];
  metering: Awaited<ReturnType<typeof storedMetering>>;
  allMeteringRows: number;
  models: Awaited<ReturnType<typeof auditModels>>;
  modelLines: string[];
  alerts: Awaited<ReturnType<typeof auditAlerts>>;
  anomalyLines: string[];
  alertKeys: string[];
  postCalls: number;
  /** Stage child workflows (every stage of every day) that did not complete. */
  incomplete: string[];
  crash?: CrashReport;
}

interface CrashReport {
  stage: CrashedStage;
  day: string;
  /** What the stage had committed when the worker died (ingest: days loaded; notify: messages posted; …). */
  committedAtKill: string;
  /** Attempts of the stage's activity on the crashed day (the killed one counts). */
  attempts: number;
  /** Seconds from the kill until the crashed stage completed, and until the whole backfill did. */
  stageRecoveredSeconds: number;
  backfillRecoveredSeconds: number;
}

/** Holds a stage in place at a known point; `release` lets it go (after the worker is dead). */
interface Hold {
  /** Called while polling: true once the stage is stuck where we want it. */
  holding(): Promise<boolean>;
  /** How far the stage got, in what it has committed. */
  committed(): Promise<string>;
  release(): Promise<void>;
}

/**
 * Run the backfill in `namespace` on the fresh database `testDb`, with a Slack fake and worker process of its
 * own. With a `crash` stage, the first day's stage is held mid-way, the worker is SIGKILLed there, and a new worker
 * takes over.
 */
async function runBackfill(testDb: TestDatabase, namespace: string, crash: CrashedStage | undefined): Promise<Outcome> {
  const database = await openDatabase({ databaseUrl: testDb.url, maxConnections: 2 });
  cleanups.push(() => database.close());
  const fake = await startSlackFake();
  cleanups.push(() => fake.stop());
  const home = fs.mkdtempSync(path.join(dir, `${namespace}-`));
  const client = new Client({ connection: env.connection, namespace });
  const workers: CapturedProcess[] = [];
  cleanups.push(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
  });
  const startWorker = async () => {
    const worker = startNodeCli(['worker'], workerEnv(namespace, testDb.url, fake, home));
    workers.push(worker);
    const deadline = Date.now() + 90_000;
    while (!worker.output().includes('snowpatrol worker:')) {
      if (Date.now() > deadline) throw new Error(`worker did not start:\n${worker.output()}`);
      await sleep(200);
    }
    return worker;
  };

  const first = await startWorker();
  // The worker has migrated the new database by the time it says it started: the tables to hold exist.
  const hold = crash ? await holdStage(crash, testDb, fake) : undefined;
  const backfill = (async () => {
    const results: PipelineResult[] = [];
    for (const asOf of DAYS) {
      const handle = await client.workflow.start(WORKFLOW_TYPES.pipeline, {
        ...pipelineStartOptions(asOf),
        args: [{ asOf, ...INPUT }],
        typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.asOf, value: asOf }],
      });
      results.push((await handle.result()) as PipelineResult);
    }
    return results;
  })();
  backfill.catch(() => undefined);

  let crashReport: CrashReport | undefined;
  if (crash && hold) {
    const day = DAYS[0];
    const child = client.workflow.getHandle(workflowIdFor(crash, day));
    await waitFor(
      async () => (await hold.holding()) && (await activityStarted(child, STAGE_ACTIVITY[crash])),
      `${crash} of ${day} to be held mid-way with ${STAGE_ACTIVITY[crash]} started`,
      () => first.output(),
    );
    first.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    const committedAtKill = await hold.committed();
    await hold.release();
    await startWorker();
    await waitFor(
      async () => (await child.describe()).status.name === 'COMPLETED',
      `${crash} of ${day} to complete after the crash`,
      () => workers.map((w) => w.output()).join('\n'),
    );
    const stageRecoveredAt = Date.now();
    await backfill;
    crashReport = {
      stage: crash,
      day,
      committedAtKill,
      attempts: await activityAttempts(child, STAGE_ACTIVITY[crash]),
      stageRecoveredSeconds: (stageRecoveredAt - killedAt) / 1000,
      backfillRecoveredSeconds: (Date.now() - killedAt) / 1000,
    };
  }
  const results = await backfill;
  const last = workers[workers.length - 1];
  last.kill('SIGTERM');
  await last.exited;

  const incomplete: string[] = [];
  for (const day of DAYS) {
    for (const stage of ['pipeline', 'ingest', 'features', 'train', 'score', 'notify'] as Stage[]) {
      const id = workflowIdFor(stage, day);
      const status = (await client.workflow.getHandle(id).describe()).status.name;
      if (status !== 'COMPLETED') incomplete.push(`${id}: ${status}`);
    }
  }
  const delivered = slackMessages(fake);
  const anomalyRows = await database.db.select().from(anomalies);
  const versionNumber = new Map<number, string>();
  for (const v of await database.db
    .select({ id: modelVersions.id, version: modelVersions.version })
    .from(modelVersions)) {
    versionNumber.set(v.id, `v${v.version}`);
  }
  return {
    namespace,
    results,
    metering: await storedMetering(database.db, FIRST_DAY, LAST_DAY),
    allMeteringRows: (await storedMetering(database.db, '2000-01-01', '2100-01-01')).rows,
    models: await auditModels(database.db),
    modelLines: await modelFingerprints(database.db),
    alerts: await auditAlerts(database.db, delivered),
    anomalyLines: anomalyRows
      .map(
        (a) =>
          `${a.warehouse} ${a.usageDate} ${a.direction} ${a.severity} ${a.status} ` +
          `${versionNumber.get(a.modelVersionId)} excess=${a.excessCredits.toFixed(6)}`,
      )
      .sort(),
    alertKeys: delivered.flatMap((m) => m.keys).sort(),
    postCalls: fake.calls.filter((c) => c.method === 'chat.postMessage').length,
    incomplete,
    crash: crashReport,
  };
}

function workerEnv(namespace: string, databaseUrl: string, fake: SlackFake, home: string): NodeJS.ProcessEnv {
  return isolatedEnv({
    SNOWPATROL_HOME: home,
    SNOWPATROL_WORKFLOW_BUNDLE: bundleFile,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_NAMESPACE: namespace,
    DATABASE_URL: databaseUrl,
    SNOWFLAKE_ACCOUNT: emulator.account,
    SNOWFLAKE_USER: SVC_USER,
    SNOWFLAKE_PRIVATE_KEY_PATH: keyPath,
    SNOWFLAKE_ACCESS_URL: emulator.url,
    SLACK_BOT_TOKEN: fake.token,
    SLACK_CHANNEL: '#snowpatrol-alerts',
    SLACK_API_URL: fake.apiUrl,
  });
}

/** The table each stage writes first; holding it (EXCLUSIVE mode lets readers through) freezes the stage there. */
const HELD_TABLE: Record<Exclude<CrashedStage, 'notify'>, string> = {
  ingest: 'metering_hourly',
  features: 'features_daily',
  // The alias moves right after a new version row is written: a crash there once left versions no alias named.
  train: 'model_aliases',
  score: 'anomalies',
};

/** Where each stage's committed progress shows. */
const PROGRESS_TABLE: Record<Exclude<CrashedStage, 'notify'>, string> = {
  ingest: 'ingested_days',
  features: 'features_daily',
  train: 'model_versions',
  score: 'anomalies',
};

async function holdStage(stage: CrashedStage, testDb: TestDatabase, fake: SlackFake): Promise<Hold> {
  if (stage === 'notify') {
    // Slack takes the post, but the answer never comes back: the worker dies between posting and recording.
    fake.faults.hangAfterHandlingNext('chat.postMessage');
    const posted = () => fake.messages().filter((m) => m.threadTs === undefined).length;
    return {
      holding: async () => posted() > 0,
      committed: async () => `${posted()} message(s) posted, answer never received`,
      release: async () => fake.faults.reset(),
    };
  }
  const sql = postgres(testDb.url, { max: 2, onnotice: () => undefined });
  const locker = await sql.reserve();
  let locked = false;
  const lock = async () => {
    await locker`begin`;
    await locker.unsafe(`lock table ${HELD_TABLE[stage]} in exclusive mode`);
    locked = true;
  };
  // Ingest is held once a third of its days are in, so the kill lands in the middle of the load.
  const lockWhen =
    stage === 'ingest'
      ? async () => {
          const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from ingested_days`.catch(() => [
            { n: 0 },
          ]);
          return n >= HISTORY_DAYS / 3;
        }
      : async () => true;
  if (stage !== 'ingest') await lock();
  const release = async () => {
    if (locked) await locker`rollback`;
    locker.release();
    await sql.end({ timeout: 5 });
  };
  cleanups.push(() => release().catch(() => undefined));
  return {
    async holding() {
      if (!locked && (await lockWhen())) await lock();
      if (!locked) return false;
      const [{ waiting }] = await sql<{ waiting: number }[]>`
        select count(*)::int as waiting from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`;
      return waiting > 0;
    },
    async committed() {
      const table = PROGRESS_TABLE[stage];
      const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from ${sql(table)}`;
      return stage === 'ingest' ? `${n} of ${HISTORY_DAYS} days loaded` : `${n} row(s) in ${table}`;
    },
    release,
  };
}

/** Whether the workflow has `activityType` pending in state STARTED (running on a worker). */
async function activityStarted(handle: WorkflowHandle, activityType: string): Promise<boolean> {
  try {
    const { raw } = await handle.describe();
    return (raw.pendingActivities ?? []).some(
      (a) =>
        a.activityType?.name === activityType &&
        a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
    );
  } catch {
    return false; // the child does not exist yet
  }
}

const INDEXED_TYPE: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.KEYWORD]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.KEYWORD_LIST]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** More namespaces on the test dev server, each with snowpatrol's search attributes; resolves once usable. */
async function registerNamespaces(server: TestWorkflowEnvironment, namespaces: string[]): Promise<void> {
  const { workflowService, operatorService } = server.connection;
  const searchAttributes = Object.fromEntries(
    Object.values(SEARCH_ATTRIBUTES).map((key) => [key.name, INDEXED_TYPE[key.type]]),
  );
  for (const namespace of namespaces) {
    await workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    await waitFor(
      () =>
        operatorService.addSearchAttributes({ namespace, searchAttributes }).then(
          () => true,
          () => false,
        ),
      `namespace ${namespace} to take search attributes`,
      () => '',
      60_000,
    );
  }
}

async function waitFor(
  probe: () => Promise<boolean>,
  what: string,
  context: () => string,
  timeoutMs = 300_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${context().slice(-4000)}`);
    await sleep(150);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The one-line summary the note takes its numbers from. */
function summary(outcome: Outcome) {
  return {
    scenario: outcome.crash ? `kill -9 mid-${outcome.crash.stage}` : 'undisturbed reference',
    days: DAYS.length,
    meteringRows: outcome.metering.rows,
    credits: outcome.metering.credits,
    modelVersions: outcome.models.versions,
    anomalies: outcome.alerts.anomalies,
    alertedOnce: outcome.alerts.alertedOnce,
    messages: outcome.alerts.messages,
    postCalls: outcome.postCalls,
    workflowsCompleted: DAYS.length * 6 - outcome.incomplete.length,
    ...(outcome.crash && {
      committedAtKill: outcome.crash.committedAtKill,
      attempts: outcome.crash.attempts,
      stageRecoveredSeconds: outcome.crash.stageRecoveredSeconds,
      backfillRecoveredSeconds: outcome.crash.backfillRecoveredSeconds,
    }),
  };
}

test('the undisturbed backfill is exact (the reference the crashed ones are held to)', async () => {
  const ref = await reference;
  console.log(JSON.stringify(summary(ref)));
  expect(ref.incomplete).toEqual([]);
  expect(ref.metering).toEqual(await sourceMetering(emulator, FIRST_DAY, LAST_DAY));
  expect(ref.models.problems).toEqual([]);
  expect(ref.alerts.problems).toEqual([]);
  // The scenarios below mean something only if the backfill trains, finds and alerts.
  expect(ref.models.versions).toBeGreaterThan(0);
  expect(ref.alerts.anomalies).toBeGreaterThan(0);
}, 600_000);

describe.each(CRASHED_STAGES)('kill -9 of the worker mid-%s', (stage) => {
  test('a new worker completes the backfill, exactly as if nothing happened', async () => {
    const outcome = await (crashed.get(stage) as Promise<Outcome>);
    const ref = await reference;
    console.log(JSON.stringify(summary(outcome)));

    expect(outcome.incomplete).toEqual([]);
    expect(outcome.results.map((r) => r.asOf)).toEqual(DAYS);
    // The kill interrupted the stage's activity, and a retry on the new worker finished it.
    expect(outcome.crash?.attempts).toBeGreaterThanOrEqual(2);
    // Metering: every hour of the source once, values exact, nothing else.
    const source = await sourceMetering(emulator, FIRST_DAY, LAST_DAY);
    expect(outcome.metering).toEqual(source);
    expect(outcome.allMeteringRows).toBe(source.rows);
    // Models: no duplicate, no orphan, checksums and aliases sound — and the same versions as undisturbed.
    expect(outcome.models.problems).toEqual([]);
    expect(outcome.modelLines).toEqual(ref.modelLines);
    // Alerts: every anomaly exactly once, the same anomalies and alerts as undisturbed, no extra post.
    expect(outcome.alerts.problems).toEqual([]);
    expect(outcome.anomalyLines).toEqual(ref.anomalyLines);
    expect(outcome.alertKeys).toEqual(ref.alertKeys);
    expect(outcome.postCalls).toBe(ref.postCalls);
  }, 600_000);
});
