/**
 * Re-capture the workflow histories that `npm test` replays (test/replay/replay.test.ts):
 *
 *   npx tsx test/histories/capture.ts
 *
 * Starts a Temporal dev server and a snowpatrol worker (a throwaway database on the Postgres at 127.0.0.1:5432,
 * as the integration tests do), runs the pipeline on the demo organisation for a fixed day so that every child
 * workflow runs, then backfills a schedule for the same day so that `scheduledPipeline` runs (and joins the
 * completed pipeline run), and writes each workflow's history as the Temporal CLI's JSON (`temporal workflow show
 * --output json`) to test/histories/<workflowType>.json. The files are read back and replayed against the current
 * workflow code before the script reports success.
 *
 * Only re-capture after an intentional workflow change that is guarded with `patched()` (README, Replay), once the
 * old histories replay: they are what proves that runs started before the change still replay. To add the history
 * of a new workflow type without touching the others, name it: `npx tsx test/histories/capture.ts snoozeWarehouse`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Client, ScheduleOverlapPolicy } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { resolveTemporalCli } from '../../client/temporal-cli';
import { snoozeWorkflowId, TASK_QUEUE, WORKFLOW_TYPES, workflowIdFor, type Stage } from '../../schemas/constants';
import type { PipelineResult } from '../../schemas/results';
import { replayHistories } from '../../worker/replay';
import { startTemporal } from '../helpers/temporal';
import { startTestWorker } from '../helpers/worker';

const ROOT = path.resolve(__dirname, '../..');
const OUT_DIR = __dirname;
/** The demo organisation's runaway days and spikes of 2026-03-17 → 2026-03-21 fall in the scored week. */
const AS_OF = '2026-03-21';
const SEED = 42;
/** Small enough to capture in seconds and keep the files small, large enough that every stage has work. */
const INPUT = { asOf: AS_OF, source: 'demo', historyDays: 120, scoreDays: 7, trainingDays: 90, notify: true };

/** The workflows one pipeline run executes: the pipeline and its six children. */
const PIPELINE_STAGES: readonly Stage[] = ['pipeline', 'ingest', 'features', 'train', 'score', 'attribute', 'notify'];
/** A schedule whose backfill of this instant starts `scheduledPipeline` for AS_OF (the day before). */
const SCHEDULE_ID = 'snowpatrol-capture';
const SCHEDULED_AT = new Date('2026-03-22T07:00:00Z');

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  process.env.SNOWPATROL_TEST_TEMPORAL_CLI ??= await resolveTemporalCli({
    explicitPath: process.env.TEMPORAL_CLI_PATH,
    home: path.join(ROOT, '.snowpatrol'),
    log,
    skipDownload: true, // nothing beyond loopback: the CLI comes from PATH, the cache or go install
  });
  log('Starting a Temporal dev server and a worker…');
  const env = await startTemporal();
  const captured: { workflowType: string; workflowId: string }[] = [];
  const only = process.argv.slice(2);
  const wanted = (type: string) => only.length === 0 || only.includes(type);
  try {
    const worker = await startTestWorker(env, SEED);
    try {
      if (wanted(WORKFLOW_TYPES.snooze)) {
        captured.push({ workflowType: WORKFLOW_TYPES.snooze, workflowId: await runSnooze(env.client) });
      }
      if (only.length > 0 && !only.some((type) => type !== WORKFLOW_TYPES.snooze)) return await writeAll();
      log(`Running ${WORKFLOW_TYPES.pipeline} ${JSON.stringify(INPUT)}…`);
      const result: PipelineResult = await env.client.workflow.execute(WORKFLOW_TYPES.pipeline, {
        taskQueue: TASK_QUEUE,
        workflowId: workflowIdFor('pipeline', AS_OF),
        args: [INPUT],
      });
      if (!result.notify || result.score.anomalies === 0) {
        throw new Error('the run alerted nothing: pick inputs under which every stage has work');
      }
      log(
        `  ingest ${result.ingest.days} days, ${result.train.models.length} models, ` +
          `${result.score.scored} warehouse-days scored, ${result.notify.alerted} alert(s)`,
      );
      for (const stage of PIPELINE_STAGES.filter((s) => wanted(WORKFLOW_TYPES[s]))) {
        captured.push({ workflowType: WORKFLOW_TYPES[stage], workflowId: workflowIdFor(stage, AS_OF) });
      }
      if (wanted(WORKFLOW_TYPES.scheduled)) {
        captured.push({ workflowType: WORKFLOW_TYPES.scheduled, workflowId: await runScheduled(env.client) });
      }
      await writeAll();
    } finally {
      await worker.stop();
    }
  } finally {
    await env.teardown();
  }

  async function writeAll(): Promise<void> {
    for (const { workflowType, workflowId } of captured) {
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      fs.writeFileSync(path.join(OUT_DIR, `${workflowType}.json`), `${historyToJSON(history)}\n`);
    }
  }

  log('Replaying the captured files against the current workflow code…');
  const files = captured.map(({ workflowType }) => path.join(OUT_DIR, `${workflowType}.json`));
  const reports = await replayHistories(
    captured.map(({ workflowId }, i) => ({
      workflowId,
      history: JSON.parse(fs.readFileSync(files[i], 'utf8')) as unknown,
    })),
  );
  for (const [i, report] of reports.entries()) {
    const size = `${(fs.statSync(files[i]).size / 1024).toFixed(1)} KiB`;
    const where = path.relative(ROOT, files[i]);
    log(`${report.ok ? '✓' : '✗'} ${where} — ${report.events} events, ${size}${report.ok ? '' : `: ${report.error}`}`);
  }
  if (reports.some((r) => !r.ok)) throw new Error('a captured history does not replay');
  const missing = Object.values(WORKFLOW_TYPES).filter((type) => !captured.some((c) => c.workflowType === type));
  if (only.length === 0 && missing.length > 0) log(`note: no history captured for ${missing.join(', ')}: add a run of it here`);
}

/** A two-second snooze: mute, durable timer, unmute. Returns its workflow id. */
async function runSnooze(client: Client): Promise<string> {
  const workflowId = snoozeWorkflowId('ACME_PROD.ETL_WH');
  log(`Running ${WORKFLOW_TYPES.snooze} for 2 seconds…`);
  const until = new Date(Date.now() + 2000).toISOString();
  await client.workflow.execute(WORKFLOW_TYPES.snooze, {
    taskQueue: TASK_QUEUE,
    workflowId,
    args: [{ warehouse: 'ACME_PROD.ETL_WH', until, author: 'capture' }],
  });
  return workflowId;
}

/**
 * What a schedule does for AS_OF: a backfill of one scheduled instant starts `scheduledPipeline`, which joins the
 * day's pipeline run that has already completed. Returns the scheduled workflow's id (Temporal appends the time).
 */
async function runScheduled(client: Client): Promise<string> {
  const { asOf: _, ...input } = INPUT;
  log(`Backfilling a schedule of ${WORKFLOW_TYPES.scheduled} at ${SCHEDULED_AT.toISOString()}…`);
  const schedule = await client.schedule.create({
    scheduleId: SCHEDULE_ID,
    spec: { calendars: [{ hour: 7 }] },
    action: {
      type: 'startWorkflow',
      workflowType: WORKFLOW_TYPES.scheduled,
      taskQueue: TASK_QUEUE,
      workflowId: workflowIdFor('scheduled', 'capture'),
      args: [input],
    },
    policies: { catchupWindow: '1 day', overlap: ScheduleOverlapPolicy.ALLOW_ALL },
    state: { paused: true, note: 'test/histories/capture.ts: backfills only' },
  });
  try {
    await schedule.backfill({ start: new Date(SCHEDULED_AT.getTime() - 1000), end: SCHEDULED_AT });
    const query = `TemporalScheduledById = '${SCHEDULE_ID}'`;
    for (let attempt = 0; attempt < 100; attempt++) {
      for await (const execution of client.workflow.list({ query })) {
        await client.workflow.getHandle(execution.workflowId, execution.runId).result();
        return execution.workflowId;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`the backfill of ${SCHEDULE_ID} started no workflow`);
  } finally {
    await schedule.delete();
  }
}

main().catch((err: unknown) => {
  log(`capture failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
