/**
 * The pipeline's wait for the day's data, through a real Temporal dev server and worker, reading "Snowflake" (the
 * loopback emulator) into the real Postgres: it keeps waiting while an account has not published the day, goes on
 * by itself once it has, is released by the `dataReady` signal (from a client or `snowpatrol data-ready`), and past
 * the deadline proceeds with partial data and one late-data notice per day.
 */
import fs from 'node:fs';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, sql } from 'drizzle-orm';
import type { HourlyMeteringRow } from '../../activities/sources';
import { WORKFLOW_TYPES } from '../../schemas/constants';
import { addDays, dayToMs, toIsoDay } from '../../schemas/dates';
import type { PipelineInput } from '../../schemas/inputs';
import type { PipelineProgress, PipelineResult } from '../../schemas/results';
import { pipelineStartOptions } from '../../schemas/start-policies';
import { meteringHourly, pipelineDays } from '../../schemas/tables';
import { generateKeyPair, startSnowflakeEmulator, type SnowflakeEmulator } from '../emulator';
import { emulatorSettings, loadOrg, orgRows, SVC_USER } from '../fixtures/snowflake-org';
import { tempDir } from '../fixtures/temp-dir';
import { isolatedEnv, runCli } from '../helpers/cli';
import { startTemporal } from '../helpers/temporal';
import { startTestWorker, type TestWorker } from '../helpers/worker';

const SEED = 11;
/** Publishes every day on time. */
const A = 'ACME_PROD';
/** Has published nothing from the first as-of day on. */
const B = 'ACME_DEV';

// The deadline is at most 168 h after the day ends, so the days waited on are recent ones.
const TODAY = toIsoDay(Date.now());
const DAY_PUBLISHED = addDays(TODAY, -7);
// Not the day after DAY_PUBLISHED, which gets B's first hour when DAY_PUBLISHED is published.
const DAY_SIGNALLED = addDays(TODAY, -5);
const DAY_LATE = addDays(TODAY, -4);
const DAY_CLI = addDays(TODAY, -3);
const DAY_WITHOUT_RUN = addDays(TODAY, -60);
const HISTORY_FROM = addDays(DAY_PUBLISHED, -45);

const keys = generateKeyPair();
let env: TestWorkflowEnvironment;
let emulator: SnowflakeEmulator;
let tw: TestWorker;
let dir: string;
const started: WorkflowHandle[] = [];

beforeAll(async () => {
  dir = tempDir();
  env = await startTemporal();
  emulator = await startSnowflakeEmulator();
  emulator.addUser({ name: SVC_USER, publicKeyPem: keys.publicKeyPem });
  await loadOrg(emulator, [
    ...orgRows(HISTORY_FROM, addDays(DAY_CLI, 1), SEED).filter((r) => r.account === A),
    ...orgRows(HISTORY_FROM, addDays(DAY_PUBLISHED, -1), SEED).filter((r) => r.account === B),
  ]);
  tw = await startTestWorker(env, SEED, { snowflake: emulatorSettings(emulator, dir, keys.privateKeyPem, undefined) });
});

afterAll(async () => {
  // A run a failed test left waiting must not keep the worker busy.
  for (const handle of started) {
    await handle.terminate('test over').catch(() => undefined);
  }
  await tw?.stop();
  await emulator?.close();
  await env?.teardown();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Hours from the end of `day` until an hour from now: the wait's deadline is still ahead. */
function hoursPastEndOfDay(day: string): number {
  return Math.ceil((Date.now() - dayToMs(addDays(day, 1))) / 3_600_000) + 1;
}

function input(asOf: string, overrides: Partial<PipelineInput> = {}): PipelineInput {
  return {
    asOf,
    source: 'snowflake',
    historyDays: 40,
    trainingDays: 30,
    notify: true,
    dataCheckEverySeconds: 1,
    dataCheckMaxSeconds: 2,
    dataDeadlineHours: hoursPastEndOfDay(asOf),
    ...overrides,
  };
}

async function startPipeline(
  asOf: string,
  overrides: Partial<PipelineInput> = {},
  rerun = false,
): Promise<WorkflowHandle> {
  const handle = await env.client.workflow.start(WORKFLOW_TYPES.pipeline, {
    ...pipelineStartOptions(asOf, rerun),
    args: [input(asOf, overrides)],
  });
  started.push(handle);
  return handle;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the `progress` query until `ok` holds (fails after `timeoutMs`). */
async function progressUntil(
  handle: WorkflowHandle,
  ok: (p: PipelineProgress) => boolean,
  timeoutMs = 20_000,
): Promise<PipelineProgress> {
  const deadline = Date.now() + timeoutMs;
  let last: PipelineProgress | undefined;
  for (;;) {
    last = await handle.query<PipelineProgress>('progress');
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`progress never matched; last: ${JSON.stringify(last)}`);
    await sleep(200);
  }
}

const waiting = (checks: number) => (p: PipelineProgress) =>
  p.stage === 'waiting-for-data' && (p.waitingForData?.checks ?? 0) >= checks;

/** Hourly rows loaded into Postgres for `day`, per account. */
async function loadedOn(day: string): Promise<Record<string, number>> {
  const rows = await tw.database.db
    .select({ account: meteringHourly.account, n: sql<number>`count(*)::int` })
    .from(meteringHourly)
    .where(
      and(
        sql`${meteringHourly.startTime} >= ${`${day}T00:00:00Z`}::timestamptz`,
        sql`${meteringHourly.startTime} < ${`${addDays(day, 1)}T00:00:00Z`}::timestamptz`,
      ),
    )
    .groupBy(meteringHourly.account);
  return Object.fromEntries(rows.map((r) => [r.account, Number(r.n)]));
}

/** The late-data notices in the worker's outbox for `day`. */
function lateNotices(day: string): string[] {
  if (!fs.existsSync(tw.outboxDir)) return [];
  return fs.readdirSync(tw.outboxDir).filter((f) => f.startsWith(`late-data-${day}-`) && f.endsWith('.json'));
}

/** B's hour 00:00–01:00 of `day`: published after the day before was complete. */
function earlyHour(day: string): HourlyMeteringRow {
  const start = dayToMs(day);
  return {
    account: B,
    warehouseId: 201,
    warehouseName: 'DEV_WH',
    startTime: new Date(start),
    endTime: new Date(start + 3_600_000),
    creditsUsed: 0.53,
    creditsUsedCompute: 0.5,
    creditsUsedCloudServices: 0.03,
  };
}

test('waits while an account has not published the day, and goes on by itself once it has', async () => {
  const day = DAY_PUBLISHED;
  const handle = await startPipeline(day);

  const progress = await progressUntil(handle, waiting(2));
  expect((await handle.describe()).status.name).toBe('RUNNING');
  expect(progress.asOf).toBe(day);
  expect(progress.waitingForData).toMatchObject({
    missing: [B],
    deadline: new Date(dayToMs(addDays(day, 1)) + hoursPastEndOfDay(day) * 3_600_000).toISOString(),
  });
  // The deadline is whole hours after midnight; the test computed the same number of hours as the run did.
  expect(Date.parse(progress.waitingForData!.deadline)).toBeGreaterThan(Date.now());
  expect(Date.parse(progress.waitingForData!.nextCheckAt)).toBeGreaterThan(Date.parse(progress.waitingForData!.since));
  expect(progress.completed).toEqual([]);
  expect(await loadedOn(day)).toEqual({});
  // The Web UI's "Current Details" of the run say the same.
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  expect(metadata.currentDetails).toContain(`Waiting for Snowflake to publish ${day}`);
  expect(metadata.currentDetails).toContain(`Missing: ${B}`);

  const published = [...orgRows(day, day, SEED).filter((r) => r.account === B), earlyHour(addDays(day, 1))];
  await loadOrg(emulator, published);
  const publishedAt = Date.now();
  const after = await progressUntil(handle, (p) => p.stage !== 'waiting-for-data', 15_000);
  // The next check comes at most one (2 s) interval later; allow a second one and the check itself.
  expect(Date.now() - publishedAt).toBeLessThan(6_000);
  expect(after.waitingForData).toBeUndefined();
  expect(after.completed[0]?.stage).toBe('data');

  const result = (await handle.result()) as PipelineResult;
  expect(result.data).toMatchObject({ status: 'ready', missing: [] });
  expect(result.data!.checks).toBeGreaterThanOrEqual(3);
  expect(result.data!.releasedBy).toBeUndefined();
  expect(result.ingest.to).toBe(day);
  const source = orgRows(day, day, SEED).filter((r) => r.account === A).length;
  expect(await loadedOn(day)).toEqual({ [A]: source, [B]: published.length - 1 });
  expect(lateNotices(day)).toEqual([]);
});

test('the dataReady signal releases the wait, recording who released it and what was missing', async () => {
  const day = DAY_SIGNALLED;
  const handle = await startPipeline(day);
  await progressUntil(handle, waiting(1));

  await handle.signal('dataReady', { by: 'test' });

  const result = (await handle.result()) as PipelineResult;
  expect(result.data).toMatchObject({ status: 'released', releasedBy: 'test', missing: [B] });
  expect(result.ingest.to).toBe(day);
  expect(Object.keys(await loadedOn(day))).toEqual([A]);
  expect(lateNotices(day)).toEqual([]);
});

test('past the deadline the run proceeds with partial data and one late-data notice per day', async () => {
  const day = DAY_LATE;
  const first = (await (await startPipeline(day, { dataDeadlineHours: 0 })).result()) as PipelineResult;

  expect(first.data).toMatchObject({ status: 'partial', checks: 1, missing: [B] });
  expect(first.data!.releasedBy).toBeUndefined();
  expect(Object.keys(await loadedOn(day))).toEqual([A]);
  const notices = lateNotices(day);
  expect(notices).toHaveLength(1);
  const notice = fs.readFileSync(`${tw.outboxDir}/${notices[0]}`, 'utf8');
  expect(JSON.parse(notice).text).toContain(B);
  expect(JSON.parse(notice).text).not.toContain(A);

  // Run the day again (as `--rerun` would: same id, after it completed): still late, still one notice.
  const second = (await (await startPipeline(day, { dataDeadlineHours: 0 }, true)).result()) as PipelineResult;
  expect(second.data).toMatchObject({ status: 'partial', missing: [B] });
  expect(lateNotices(day)).toEqual(notices);
});

test('`snowpatrol data-ready` releases the waiting run of the day, and names a day that has none', async () => {
  const day = DAY_CLI;
  const handle = await startPipeline(day);
  await progressUntil(handle, waiting(1));
  const cliEnv = isolatedEnv({ TEMPORAL_ADDRESS: env.address, DATABASE_URL: tw.databaseUrl });

  const status = await runCli(['status', `snowpatrol-pipeline-${day}`], cliEnv);
  expect(status.code).toBe(0);
  expect(status.stdout).toContain(`waiting for Snowflake to publish ${day} since`);
  expect(status.stdout).toContain(B);
  expect(status.stdout).toContain(`snowpatrol data-ready --as-of ${day}`);

  const [released, none] = await Promise.all([
    runCli(['data-ready', '--as-of', day], cliEnv),
    runCli(['data-ready', '--as-of', DAY_WITHOUT_RUN], cliEnv),
  ]);

  expect(released.stderr).toBe('');
  expect(released.code).toBe(0);
  expect(released.stdout).toContain(`snowpatrol-pipeline-${day}`);
  const result = (await handle.result()) as PipelineResult;
  expect(result.data).toMatchObject({
    status: 'released',
    releasedBy: `cli:${process.env.USER ?? 'unknown'}`,
    missing: [B],
  });

  expect(none.code).not.toBe(0);
  expect(none.stdout + none.stderr).toContain(DAY_WITHOUT_RUN);
});

test('the first run with complete data re-scores the days that went ahead without it', async () => {
  // The signalled, late and CLI days all ran without ACME_DEV; now it publishes them and the day after.
  const day = addDays(DAY_CLI, 1);
  await loadOrg(emulator, [
    ...orgRows(addDays(DAY_PUBLISHED, 1), day, SEED).filter(
      (r) => r.account === B && r.startTime.getTime() >= dayToMs(addDays(DAY_PUBLISHED, 1)) + 3_600_000,
    ),
    earlyHour(addDays(day, 1)),
    { ...earlyHour(addDays(day, 1)), account: A, warehouseId: 101, warehouseName: 'ETL_WH' },
  ]);

  const result = (await (await startPipeline(day)).result()) as PipelineResult;

  expect(result.data).toMatchObject({ status: 'ready', missing: [] });
  expect(result.catchUp).toMatchObject({
    from: DAY_SIGNALLED,
    partialDays: [DAY_SIGNALLED, DAY_LATE, DAY_CLI],
    rescored: [DAY_SIGNALLED, DAY_LATE, DAY_CLI],
  });
  expect(result.score.from).toBe(DAY_SIGNALLED);
  for (const late of [DAY_SIGNALLED, DAY_LATE, DAY_CLI])
    expect(Object.keys(await loadedOn(late)).sort()).toEqual([B, A].sort());
  const days = await tw.database.db.select().from(pipelineDays);
  expect(days.filter((d) => d.status !== 'complete')).toEqual([]);
});
