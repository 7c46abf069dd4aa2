/**
 * Twenty starts of the same as-of day fired at once — `snowpatrol run` processes, the real `temporal workflow
 * start` with the policies the README gives, client starts through the CLI's start options, and a one-day schedule
 * backfill — make one pipeline run. Every caller gets that run (or, once it has finished, a clear "already
 * completed" answer), and the run's data is exact: the demo organisation's rows once, every anomaly alerted once.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { openDatabase, type Database } from '../../activities/store/database';
import { TASK_QUEUE, WORKFLOW_TYPES, workflowIdFor } from '../../schemas/constants';
import type { PipelineResult } from '../../schemas/results';
import { pipelineStartOptions } from '../../schemas/start-policies';
import { orgRows } from '../fixtures/snowflake-org';
import { tempDir } from '../fixtures/temp-dir';
import { isolatedEnv, runCli, startNodeCli, type CapturedProcess } from '../helpers/cli';
import { auditAlerts, outboxMessages, storedMetering } from '../helpers/exactness';
import { activityStarts } from '../helpers/history';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { startTemporal, temporalCliPath } from '../helpers/temporal';
import { startTestWorker, type TestWorker } from '../helpers/worker';

const exec = promisify(execFile);

const SEED = 42;
const DAY = '2026-03-21';
const WORKFLOW_ID = workflowIdFor('pipeline', DAY);
/** What every starter asks for: the pipeline input `snowpatrol run --source demo --score-days 7` sends. */
const INPUT = { asOf: DAY, source: 'demo', historyDays: 120, scoreDays: 7, notify: true, waitForData: true };

let env: TestWorkflowEnvironment;
let testDb: TestDatabase;
let home: string;
let tw: TestWorker | undefined;
let database: Database | undefined;
const processes: CapturedProcess[] = [];

beforeAll(async () => {
  env = await startTemporal();
  testDb = await createTestDatabase();
  home = tempDir();
});

afterAll(async () => {
  for (const p of processes) p.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
  await database?.close();
  await tw?.stop();
  await testDb?.drop();
  await env?.teardown();
  fs.rmSync(home, { recursive: true, force: true });
});

const cliEnv = () => isolatedEnv({ TEMPORAL_ADDRESS: env.address, DATABASE_URL: testDb.url, SNOWPATROL_HOME: home });

/** `snowpatrol run` for DAY, leaving the work to the workers on TEMPORAL_ADDRESS, JSON on stdout. */
function startRunCli(): CapturedProcess {
  const args = ['run', '--as-of', DAY, '--source', 'demo', '--score-days', '7', '--no-worker', '--json'];
  const p = startNodeCli(args, cliEnv());
  processes.push(p);
  return p;
}

/** `temporal workflow start` of DAY's pipeline, exactly as the README shows it; its exit code and output. */
function temporalStart(): Promise<{ code: number; out: string }> {
  const args = [
    'workflow',
    'start',
    '--task-queue',
    TASK_QUEUE,
    '--type',
    WORKFLOW_TYPES.pipeline,
    '--workflow-id',
    WORKFLOW_ID,
    '--id-reuse-policy',
    'AllowDuplicateFailedOnly',
    '--id-conflict-policy',
    'UseExisting',
    '--input',
    JSON.stringify(INPUT),
    '--address',
    env.address,
    '--output',
    'json',
  ];
  return exec(temporalCliPath(), args, { encoding: 'utf8' }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, out: `${e.stdout}${e.stderr}` }),
  );
}

/** A client start through the options `snowpatrol run` uses (schemas/start-policies); the run id it was given. */
async function clientStart(): Promise<string> {
  const handle = await env.client.workflow.start(WORKFLOW_TYPES.pipeline, {
    ...pipelineStartOptions(DAY),
    args: [INPUT],
  });
  return handle.firstExecutionRunId;
}

async function listAll(query: string): Promise<WorkflowExecutionInfo[]> {
  const found: WorkflowExecutionInfo[] = [];
  for await (const info of env.client.workflow.list({ query })) found.push(info);
  return found;
}

async function waitFor(probe: () => boolean, what: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The JSON document a `--json` command printed on stdout (progress lines go to stderr, mixed in `output()`). */
function jsonOf(output: string): { workflowId: string; runId: string; result: PipelineResult } {
  const start = output.indexOf('{\n');
  if (start < 0) throw new Error(`no JSON in the output:\n${output}`);
  return JSON.parse(output.slice(start, output.lastIndexOf('\n}') + 2));
}

test('20 concurrent starts of one day — CLI runs, temporal CLI, client starts, a backfill — make one exact run', async () => {
  expect((await runCli(['schedules', 'apply'], cliEnv())).code).toBe(0);

  // All twenty at once, before any worker polls, so every one of them races for the same business id.
  const cliRuns = Array.from({ length: 8 }, startRunCli);
  const temporalStarts = Array.from({ length: 6 }, temporalStart);
  const clientStarts = Array.from({ length: 5 }, clientStart);
  const backfill = runCli(['schedules', 'backfill', '--from', DAY, '--to', DAY, '--json'], cliEnv());

  const startedBy = await Promise.all(clientStarts);
  const temporalAnswers = await Promise.all(temporalStarts);
  expect((await backfill).code).toBe(0);
  await waitFor(
    () => cliRuns.every((p) => p.output().includes(`Pipeline: ${WORKFLOW_ID} (`)),
    'every `snowpatrol run` has started or joined the run',
  );

  // One execution, not started twice: every caller holds its run id.
  const [only] = await listAll(`WorkflowId = '${WORKFLOW_ID}'`);
  expect(await listAll(`WorkflowId = '${WORKFLOW_ID}'`)).toHaveLength(1);
  const runId = only.runId;
  expect(new Set(startedBy)).toEqual(new Set([runId]));
  for (const answer of temporalAnswers) {
    expect(answer).toMatchObject({ code: 0 });
    expect(JSON.parse(answer.out)).toMatchObject({ workflowId: WORKFLOW_ID, runId });
  }

  // Now the worker: the one run executes once, and every waiting caller gets its result.
  tw = await startTestWorker(env, SEED, { databaseUrl: testDb.url });
  const result: PipelineResult = await env.client.workflow.getHandle(WORKFLOW_ID, runId).result();
  const codes = await Promise.all(cliRuns.map((p) => p.exited));
  expect(codes).toEqual(cliRuns.map(() => 0));
  for (const p of cliRuns) {
    expect(jsonOf(p.output())).toMatchObject({ workflowId: WORKFLOW_ID, runId, result });
    expect(p.output()).not.toContain('already completed');
  }
  // The backfilled schedule run joined it instead of starting another (`started` is false only for a day that had
  // already completed when the schedule fired; this one was running).
  let scheduled: WorkflowExecutionInfo[] = [];
  const deadline = Date.now() + 60_000;
  while (scheduled.length === 0 && Date.now() < deadline) {
    scheduled = await listAll(`WorkflowType = '${WORKFLOW_TYPES.scheduled}'`);
    if (scheduled.length === 0) await new Promise((r) => setTimeout(r, 250));
  }
  expect(scheduled).toHaveLength(1);
  const wrapper = await env.client.workflow.getHandle(scheduled[0].workflowId, scheduled[0].runId).result();
  expect(wrapper).toMatchObject({ workflowId: WORKFLOW_ID, runId });

  // After it completed: a clear "already completed" answer, still one run.
  const late = startRunCli();
  const lateTemporal = await temporalStart();
  expect(await late.exited).toBe(0);
  expect(late.output()).toContain(`Pipeline for ${DAY} already completed; showing its result`);
  expect(jsonOf(late.output())).toMatchObject({ runId, result });
  // The temporal CLI (Go SDK) answers a refused start with the existing run rather than an error: no new run.
  expect(lateTemporal.code).toBe(0);
  expect(JSON.parse(lateTemporal.out)).toMatchObject({ workflowId: WORKFLOW_ID, runId });
  expect(await listAll(`WorkflowId = '${WORKFLOW_ID}'`)).toHaveLength(1);
  for (const stage of ['ingest', 'features', 'train', 'score', 'notify'] as const) {
    expect(await listAll(`WorkflowId = '${workflowIdFor(stage, DAY)}'`)).toHaveLength(1);
  }

  // Exact: the source's rows once each, loaded by one extract; every anomaly alerted exactly once.
  const child = env.client.workflow.getHandle(workflowIdFor('ingest', DAY));
  expect(await activityStarts(child)).toEqual({ planIngestWindow: 1, extractWarehouseMetering: 1 });
  database = await openDatabase({ databaseUrl: testDb.url });
  const stored = await storedMetering(database.db, result.ingest.from, result.ingest.to);
  const source = orgRows(result.ingest.from, result.ingest.to, SEED);
  expect(stored.rows).toBe(source.length);
  expect(Number(stored.credits)).toBeCloseTo(
    source.reduce((sum, r) => sum + r.creditsUsed, 0),
    6,
  );
  const alerts = await auditAlerts(database.db, outboxMessages(tw.outboxDir));
  expect(alerts.problems).toEqual([]);
  expect(alerts.anomalies).toBe(result.score.anomalies);
  expect(alerts.anomalies).toBeGreaterThan(0);
  expect(result.notify).toMatchObject({ alerted: alerts.anomalies });
  process.stderr.write(
    `concurrent starts: 20 starts → 1 run (${runId}); ${stored.rows} hourly rows, ` +
      `${alerts.anomalies} anomalies alerted once in ${alerts.messages} message(s)\n`,
  );
}, 300_000);
