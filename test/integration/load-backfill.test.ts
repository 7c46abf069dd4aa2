/**
 * Load: a year of as-of days backfilled through the daily schedule (`snowpatrol schedules backfill`: Temporal's
 * schedule backfill, BUFFER_ALL, one day after another) and run by one real `snowpatrol worker` process with its
 * default concurrency limits, on the demo organisation, against a real Temporal dev server and Postgres. Every
 * day's run completes; the worker's memory stays bounded (VmRSS/VmHWM of its node process, from /proc); no
 * activity times out or is retried; every history stays far below Temporal's limits; the worker never warns about
 * payload or history size; and every anomaly of the year is alerted exactly once.
 *
 * The dev server reads its task queues promptly (PROMPT_QUEUE_PROCESSING): with its default of 20 reads a second
 * per queue, many workflow and activity tasks wait up to 50 ms to be dispatched, and this backfill took 17 minutes
 * instead of 6. What snowpatrol does, and what is asserted, is the same either way.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { openDatabase, type Database } from '../../activities/store/database';
import { WORKFLOW_TYPES, workflowIdFor } from '../../schemas/constants';
import { eachDay } from '../../schemas/dates';
import type { PipelineResult } from '../../schemas/results';
import { orgRows } from '../fixtures/snowflake-org';
import { tempDir } from '../fixtures/temp-dir';
import { isolatedEnv, runCli, startNodeCli, type CapturedProcess } from '../helpers/cli';
import { auditAlerts, auditModels, outboxMessages, storedMetering } from '../helpers/exactness';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { tableCounts } from '../helpers/state';
import { PROMPT_QUEUE_PROCESSING, pollsTaskQueue, startTemporal } from '../helpers/temporal';

const DAYS = eachDay('2025-03-01', '2026-02-28');
const DEMO_SEED = 42;
const MB = 1024 * 1024;
/** Generous bounds: far above what a healthy run uses, far below where Temporal or a 2 GB container objects. */
const MAX_PEAK_RSS_MB = 1024;
const MAX_HISTORY_EVENTS = 10_000;
const MAX_HISTORY_BYTES = 5 * MB;
/** What the Temporal SDK logs when a payload or a history grows too large ([TMPRL1103] payload size, …). */
const SIZE_WARNING =
  /TMPRL110[34]|exceeded the (warning|error) limit|payload.{0,40}too large|history.{0,40}(size|length).{0,40}(exceed|limit)/i;
const EventType = temporal.api.enums.v1.EventType;

let env: TestWorkflowEnvironment;
let testDb: TestDatabase;
let database: Database | undefined;
let home: string;
let worker: CapturedProcess | undefined;
let workerExited = false;
let sampler: NodeJS.Timeout | undefined;

beforeAll(async () => {
  env = await startTemporal({ dynamicConfig: PROMPT_QUEUE_PROCESSING });
  testDb = await createTestDatabase();
  home = tempDir();
});

afterAll(async () => {
  if (sampler) clearInterval(sampler);
  if (worker) {
    worker.kill('SIGTERM');
    const timer = setTimeout(() => worker?.kill('SIGKILL'), 40_000);
    await worker.exited;
    clearTimeout(timer);
  }
  await database?.close();
  await testDb?.drop();
  await env?.teardown();
  fs.rmSync(home, { recursive: true, force: true });
});

/** Memory of one process, sampled from /proc/<pid>/status: the highest VmRSS seen and its own VmHWM. */
class MemorySampler {
  peakKB = 0;
  samples = 0;
  lastKB = 0;
  constructor(readonly pid: number) {}

  sample(): void {
    let status: string;
    try {
      status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
    } catch {
      return; // gone
    }
    const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    this.samples += 1;
    this.lastKB = kB('VmRSS');
    this.peakKB = Math.max(this.peakKB, this.lastKB, kB('VmHWM'));
  }
}

async function waitFor(probe: () => Promise<boolean>, what: string, timeoutMs: number, everyMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (workerExited)
      throw new Error(`the worker exited while waiting until ${what}:\n${worker?.output().slice(-4000)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function listAll(query: string): Promise<WorkflowExecutionInfo[]> {
  const found: WorkflowExecutionInfo[] = [];
  for await (const info of env.client.workflow.list({ query })) found.push(info);
  return found;
}

/** Run `work` on every item, `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: limit }, lane));
}

interface HistoryAudit {
  maxEvents: number;
  maxBytes: number;
  activities: number;
  /** Sticky workflow tasks that waited too long for the worker (Temporal reschedules them; not a failure). */
  workflowTaskTimeouts: number;
  problems: string[];
}

/** Every history: its size, and anything that timed out, was retried or failed on the way. */
async function auditHistories(runs: readonly WorkflowExecutionInfo[]): Promise<HistoryAudit> {
  const audit: HistoryAudit = { maxEvents: 0, maxBytes: 0, activities: 0, workflowTaskTimeouts: 0, problems: [] };
  await eachLimited(runs, 8, async ({ workflowId, runId }) => {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    audit.maxEvents = Math.max(audit.maxEvents, events.length);
    audit.maxBytes = Math.max(audit.maxBytes, temporal.api.history.v1.History.encode(history).finish().length);
    for (const e of events) {
      if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) audit.activities += 1;
      if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) audit.workflowTaskTimeouts += 1;
      if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT)
        audit.problems.push(`${workflowId}: activity timed out`);
      if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
        audit.problems.push(`${workflowId}: workflow task failed`);
      const started = e.activityTaskStartedEventAttributes;
      if ((started?.attempt ?? 1) > 1) {
        audit.problems.push(
          `${workflowId}: activity retried (${started?.lastFailure?.message ?? 'no failure recorded'})`,
        );
      }
    }
  });
  return audit;
}

test('a 365-day schedule backfill: every run completes, memory bounded, no timeouts, no size warnings', async () => {
  worker = startNodeCli(
    ['worker'],
    isolatedEnv({
      SNOWPATROL_HOME: home,
      TEMPORAL_ADDRESS: env.address,
      DATABASE_URL: testDb.url,
      SNOWPATROL_SOURCE: 'demo',
      SNOWPATROL_DEMO_SEED: String(DEMO_SEED),
      SNOWPATROL_MAX_CONCURRENT_ACTIVITIES: '4', // the default, stated: the limit this load runs under
    }),
  );
  // `node --import tsx client/main.ts worker`: the pid is the node process that runs the worker, no wrapper.
  const memory = new MemorySampler(worker.pid);
  void worker.exited.then(() => (workerExited = true));
  await waitFor(() => pollsTaskQueue(env.client, memory.pid), 'the worker polls the task queue', 120_000, 250);
  memory.sample();
  const readyMB = memory.peakKB / 1024;
  sampler = setInterval(() => memory.sample(), 200);

  // The daily schedule, at an hour that does not come round while the test runs (a real 07:00 firing would add
  // a run for yesterday), without the weekly retraining.
  const hour = (new Date().getUTCHours() + 12) % 24;
  const cliEnv = isolatedEnv({
    TEMPORAL_ADDRESS: env.address,
    SNOWPATROL_SCHEDULE_PIPELINE: `0 ${hour} * * *`,
    SNOWPATROL_SCHEDULE_RETRAIN: 'off',
  });
  expect((await runCli(['schedules', 'apply'], cliEnv)).code).toBe(0);
  const started = Date.now();
  const last = DAYS[DAYS.length - 1];
  expect((await runCli(['schedules', 'backfill', '--from', DAYS[0], '--to', last], cliEnv)).code).toBe(0);

  let reported = Date.now();
  await waitFor(
    async () => {
      const query = `WorkflowType = '${WORKFLOW_TYPES.scheduled}' AND ExecutionStatus = 'Completed'`;
      const done = (await env.client.workflow.count(query)).count;
      if (Date.now() - reported > 60_000) {
        reported = Date.now();
        const at = ((Date.now() - started) / 1000).toFixed(0);
        process.stderr.write(
          `load: ${done}/${DAYS.length} days after ${at} s, RSS ${(memory.lastKB / 1024).toFixed(0)} MB\n`,
        );
      }
      return done >= DAYS.length;
    },
    `all ${DAYS.length} backfilled days have completed`,
    30 * 60_000,
    2_000,
  );
  const wallSeconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  memory.sample();

  // Every as-of day ran once, under its business id, and completed; nothing failed, nothing is left open.
  const pipelines = await listAll(`WorkflowType = '${WORKFLOW_TYPES.pipeline}'`);
  expect(pipelines.map((p) => p.workflowId).sort()).toEqual(DAYS.map((d) => workflowIdFor('pipeline', d)));
  const all = await listAll('');
  expect(all.filter((w) => w.status.name !== 'COMPLETED').map((w) => `${w.workflowId}: ${w.status.name}`)).toEqual([]);
  expect(all).toHaveLength(DAYS.length * 8); // per day: the schedule's run, the pipeline, its six stages
  // One after another (BUFFER_ALL), oldest first: each day's models are trained and promoted as nightly runs would.
  const byStart = [...pipelines].sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  expect(byStart.map((p) => p.workflowId)).toEqual(DAYS.map((d) => workflowIdFor('pipeline', d)));
  const overlapping = byStart.filter((p, i) => i > 0 && p.startTime < (byStart[i - 1].closeTime ?? p.startTime));
  expect(overlapping.map((p) => p.workflowId)).toEqual([]);

  // No activity timed out or was retried, no workflow task failed; histories far below Temporal's limits.
  const histories = await auditHistories(all);
  expect(histories.problems).toEqual([]);
  expect(histories.maxEvents).toBeLessThan(MAX_HISTORY_EVENTS);
  expect(histories.maxBytes).toBeLessThan(MAX_HISTORY_BYTES);

  // Memory bounded; the worker said nothing about payload or history sizes.
  const peakMB = memory.peakKB / 1024;
  expect(memory.samples).toBeGreaterThan(10);
  expect(peakMB).toBeLessThan(MAX_PEAK_RSS_MB);
  const log = worker.output();
  expect(log.split('\n').filter((line) => SIZE_WARNING.test(line))).toEqual([]);

  // The year's data: the demo organisation's metering exactly, every anomaly alerted exactly once, a sound model
  // registry.
  database = await openDatabase({ databaseUrl: testDb.url });
  const first: PipelineResult = await env.client.workflow.getHandle(workflowIdFor('pipeline', DAYS[0])).result();
  const stored = await storedMetering(database.db, first.ingest.from, last);
  const source = orgRows(first.ingest.from, last, DEMO_SEED);
  expect(stored.rows).toBe(source.length);
  // Within 0.0005 credits: a float sum over ~17,000 rows carries rounding of its own.
  expect(Number(stored.credits)).toBeCloseTo(
    source.reduce((sum, r) => sum + r.creditsUsed, 0),
    3,
  );
  const alerts = await auditAlerts(database.db, outboxMessages(path.join(home, 'outbox')));
  expect(alerts.problems).toEqual([]);
  expect(alerts.anomalies).toBeGreaterThan(0);
  const models = await auditModels(database.db);
  expect(models.problems).toEqual([]);
  const counts = await tableCounts(database.db);

  const seconds = pipelines.map((p) => ((p.closeTime?.getTime() ?? 0) - p.startTime.getTime()) / 1000);
  seconds.sort((a, b) => a - b);
  process.stderr.write(
    [
      `load: ${DAYS.length} days ${DAYS[0]} → ${last} backfilled in ${wallSeconds.toFixed(0)} s ` +
        `(${(wallSeconds / DAYS.length).toFixed(2)} s a day; a pipeline run: median ` +
        `${seconds[Math.floor(seconds.length / 2)].toFixed(2)} s, longest ${seconds[seconds.length - 1].toFixed(2)} s)`,
      `  worker peak RSS ${peakMB.toFixed(0)} MB (${readyMB.toFixed(0)} MB when it started polling; ` +
        `${memory.samples} samples); log ${(log.length / 1024).toFixed(0)} KiB, no size warning`,
      `  ${all.length} workflows, ${histories.activities} activities, none timed out or retried; largest history ` +
        `${histories.maxEvents} events, ${(histories.maxBytes / 1024).toFixed(0)} KiB; ` +
        `${histories.workflowTaskTimeouts} sticky workflow-task timeouts`,
      `  rows ${JSON.stringify(counts)}; metering ${stored.rows} rows, ${stored.credits} credits = the source's`,
      `  ${alerts.alertedOnce}/${alerts.anomalies} anomalies alerted exactly once in ${alerts.messages} messages`,
    ].join('\n') + '\n',
  );
}, 2_400_000); // 40 minutes: ~6 here, ~17 on a dev server with default queue processing
