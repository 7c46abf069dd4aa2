/**
 * Temporal-native operations against a real dev server and worker: schedules applied idempotently from config,
 * a 30-day schedule backfill giving 30 correct as-of days under business ids (deduplicated with ad-hoc starts),
 * and ad-hoc starts and schedule triggers with the real `temporal` CLI.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  type ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { applySchedules, SCHEDULE_IDS } from '../../client/schedules';
import { WORKFLOW_TYPES, workflowIdFor } from '../../schemas/constants';
import { eachDay } from '../../schemas/dates';
import type { PipelineResult } from '../../schemas/results';
import { parseScheduleSettings } from '../../schemas/schedule-config';
import { pipelineStartOptions } from '../../schemas/start-policies';
import { isolatedEnv, runCli } from '../helpers/cli';
import { startTemporal, temporalCliPath } from '../helpers/temporal';
import { startTestWorker, type TestWorker } from '../helpers/worker';

const run = promisify(execFile);

let env: TestWorkflowEnvironment;
let tw: TestWorker;

beforeAll(async () => {
  env = await startTemporal();
  tw = await startTestWorker(env, 42);
});

afterAll(async () => {
  await tw?.stop();
  await env?.teardown();
});

const cliEnv = (extra: Record<string, string> = {}) =>
  isolatedEnv({ TEMPORAL_ADDRESS: env.address, DATABASE_URL: tw.databaseUrl, ...extra });

/** The result of the pipeline run for `asOf`, waiting for it to exist and finish. */
async function pipelineResult(asOf: string, deadline = Date.now() + 120_000): Promise<PipelineResult> {
  for (;;) {
    try {
      return (await env.client.workflow.getHandle(workflowIdFor('pipeline', asOf)).result()) as PipelineResult;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** The schedule's recent actions once there are more than `before` of them (waits up to 30 s). */
async function recentActionsAfter(scheduleId: string, before: number) {
  const handle = env.client.schedule.getHandle(scheduleId);
  const deadline = Date.now() + 30_000;
  let recent = (await handle.describe()).info.recentActions;
  while (recent.length <= before && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    recent = (await handle.describe()).info.recentActions;
  }
  return recent;
}

test('apply creates the schedules; again changes nothing; a changed config updates in place and stays paused', async () => {
  const first = await runCli(['schedules', 'apply', '--json'], cliEnv());
  expect(first.code).toBe(0);
  expect(JSON.parse(first.stdout)).toEqual([
    { scheduleId: SCHEDULE_IDS.pipeline, outcome: 'created' },
    { scheduleId: SCHEDULE_IDS.retrain, outcome: 'created' },
  ]);
  const second = await runCli(['schedules', 'apply', '--json'], cliEnv());
  expect(JSON.parse(second.stdout).map((r: { outcome: string }) => r.outcome)).toEqual(['unchanged', 'unchanged']);

  const daily = env.client.schedule.getHandle(SCHEDULE_IDS.pipeline);
  const before = await daily.describe();
  expect(before.policies).toMatchObject({ catchupWindow: 86_400_000, pauseOnFailure: false });
  expect(before.action.workflowType).toBe(WORKFLOW_TYPES.scheduled);
  await daily.pause('holiday freeze');

  const changed = parseScheduleSettings({ SNOWPATROL_SCHEDULE_PIPELINE: '30 6 * * *' }).settings;
  expect(await applySchedules(env.client, changed)).toEqual([
    { scheduleId: SCHEDULE_IDS.pipeline, outcome: 'updated' },
    { scheduleId: SCHEDULE_IDS.retrain, outcome: 'unchanged' },
  ]);
  const after = await daily.describe();
  expect(after.state.paused).toBe(true);
  expect(after.state.note).toBe('holiday freeze');
  expect(after.spec.calendars?.[0]).toMatchObject({
    hour: [{ start: 6, end: 6, step: 1 }],
    minute: [{ start: 30, end: 30, step: 1 }],
  });
  await daily.unpause();
}, 120_000);

test('a 30-day backfill runs the pipeline once per as-of day, under business ids that ad-hoc starts share', async () => {
  const days = eachDay('2026-02-01', '2026-03-02');
  expect(days).toHaveLength(30);
  const requested = await runCli(['schedules', 'backfill', '--from', days[0], '--to', days[29], '--json'], cliEnv());
  expect(requested.code).toBe(0);
  expect(JSON.parse(requested.stdout)).toEqual({
    scheduleId: SCHEDULE_IDS.pipeline,
    asOfFrom: days[0],
    asOfTo: days[29],
    requested: true,
  });

  for (const day of days) expect((await pipelineResult(day)).asOf).toBe(day);

  // An ad-hoc start of a backfilled day is refused (it completed), not run a second time.
  await expect(
    env.client.workflow.start(WORKFLOW_TYPES.pipeline, {
      ...pipelineStartOptions(days[10]),
      args: [{ asOf: days[10] }],
    }),
  ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
  // And a scheduled run of a day that already ran reuses that run instead of starting another.
  const daily = env.client.schedule.getHandle(SCHEDULE_IDS.pipeline);
  const actionsBefore = (await daily.describe()).info.recentActions.length;
  const repeat = await runCli(['schedules', 'backfill', '--from', days[5], '--to', days[5]], cliEnv());
  expect(repeat.code).toBe(0);
  const recent = await recentActionsAfter(SCHEDULE_IDS.pipeline, actionsBefore);
  const wrapper = recent[recent.length - 1].action.workflow;
  const reused = await env.client.workflow.getHandle(wrapper.workflowId, wrapper.firstExecutionRunId).result();
  expect(reused).toMatchObject({ workflowId: workflowIdFor('pipeline', days[5]), started: false });
}, 300_000);

test('the real temporal CLI starts runs ad hoc, rejects bad input naming the field, and triggers a schedule', async () => {
  const temporal = (args: string[]) =>
    run(temporalCliPath(), [...args, '--address', env.address], { encoding: 'utf8' }).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({
        code: e.code ?? 1,
        out: `${e.stdout}${e.stderr}`,
      }),
    );

  /** `temporal workflow execute` of the pipeline with a workflow id and a raw JSON input. */
  const executePipeline = (workflowId: string, input: string) =>
    temporal([
      'workflow',
      'execute',
      '--type',
      'snowpatrolPipeline',
      '--task-queue',
      'snowpatrol',
      '--workflow-id',
      workflowId,
      '--input',
      input,
    ]);

  const ok = await executePipeline(workflowIdFor('pipeline', '2026-03-31'), '{"asOf": "2026-03-31"}');
  expect(ok.out).toContain('COMPLETED');
  expect(ok.code).toBe(0);

  // `snowpatrol status` reads the run's progress query.
  const status = await runCli(['status', workflowIdFor('pipeline', '2026-03-31'), '--json'], cliEnv());
  expect(status.code).toBe(0);
  const report = JSON.parse(status.stdout);
  expect(report).toMatchObject({ status: 'COMPLETED', progress: { asOf: '2026-03-31', stage: 'done' } });
  expect(report.progress.completed.map((c: { stage: string }) => c.stage)).toEqual([
    'data', // the wait for Snowflake to publish the day: the demo publishes at once
    'ingest',
    'features',
    'train',
    'score',
    'attribute',
    'notify',
  ]);

  const bad = await executePipeline('bad-input-from-cli', '{"asOf": "yesterday-ish"}');
  expect(bad.code).not.toBe(0);
  expect(bad.out).toContain('Status   FAILED');
  expect(bad.out).toContain(
    'invalid snowpatrolPipeline input: asOf: expected a date like "2026-11-20", got "yesterday-ish"',
  );
  const failure = await env.client.workflow
    .getHandle('bad-input-from-cli')
    .result()
    .catch((e: WorkflowFailedError) => e.cause as ApplicationFailure);
  expect(failure).toMatchObject({ type: 'InvalidInput', nonRetryable: true });

  await applySchedules(env.client, parseScheduleSettings({}).settings); // idempotent: the schedules exist
  const before = (await env.client.schedule.getHandle(SCHEDULE_IDS.retrain).describe()).info.recentActions.length;
  const triggered = await temporal(['schedule', 'trigger', '--schedule-id', SCHEDULE_IDS.retrain]);
  expect(triggered.code).toBe(0);
  const after = (await recentActionsAfter(SCHEDULE_IDS.retrain, before)).length;
  expect(after).toBe(before + 1);
}, 180_000);
