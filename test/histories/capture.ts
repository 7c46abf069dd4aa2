/**
 * Re-capture the workflow histories that `npm test` replays (test/replay/replay.test.ts):
 *
 *   npx tsx test/histories/capture.ts
 *
 * Starts a Temporal dev server and a snowpatrol worker (a throwaway database on the Postgres at 127.0.0.1:5432,
 * as the integration tests do), runs the pipeline on the demo organisation for a fixed day so that every child
 * workflow runs, and writes each workflow's history as the Temporal CLI's JSON to test/histories/<type>.json.
 * Each file is read back and replayed against the current workflow code before the script reports success.
 *
 * Only re-capture after an intentional workflow change that is guarded with `patched()` (README, Replay): the old
 * histories are what proves that runs started before the change still replay.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { resolveTemporalCli } from '../../client/temporal-cli';
import { TASK_QUEUE, WORKFLOW_TYPES, workflowIdFor, type Stage } from '../../schemas/constants';
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

/** The workflows one pipeline run executes: the pipeline and its five children. */
const CAPTURED: readonly Stage[] = ['pipeline', 'ingest', 'features', 'train', 'score', 'notify'];

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  process.env.SNOWPATROL_TEST_TEMPORAL_CLI ??= await resolveTemporalCli({
    explicitPath: process.env.TEMPORAL_CLI_PATH,
    home: path.join(ROOT, '.snowpatrol'),
    log,
  });
  log('Starting a Temporal dev server and a worker…');
  const env = await startTemporal();
  try {
    const worker = await startTestWorker(env, SEED);
    try {
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

      for (const stage of CAPTURED) {
        const workflowId = workflowIdFor(stage, AS_OF);
        const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
        const file = path.join(OUT_DIR, `${WORKFLOW_TYPES[stage]}.json`);
        fs.writeFileSync(file, `${historyToJSON(history)}\n`);
      }
    } finally {
      await worker.stop();
    }
  } finally {
    await env.teardown();
  }

  log('Replaying the captured files against the current workflow code…');
  const files = CAPTURED.map((stage) => path.join(OUT_DIR, `${WORKFLOW_TYPES[stage]}.json`));
  const reports = await replayHistories(
    CAPTURED.map((stage, i) => ({
      workflowId: workflowIdFor(stage, AS_OF),
      history: JSON.parse(fs.readFileSync(files[i], 'utf8')) as unknown,
    })),
  );
  for (const [i, report] of reports.entries()) {
    const size = `${(fs.statSync(files[i]).size / 1024).toFixed(1)} KiB`;
    const where = path.relative(ROOT, files[i]);
    log(`${report.ok ? '✓' : '✗'} ${where} — ${report.events} events, ${size}${report.ok ? '' : `: ${report.error}`}`);
  }
  if (reports.some((r) => !r.ok)) throw new Error('a captured history does not replay');
  const missing = Object.values(WORKFLOW_TYPES).filter((type) => !fs.existsSync(path.join(OUT_DIR, `${type}.json`)));
  if (missing.length > 0) log(`note: no history captured for ${missing.join(', ')} (not run by the pipeline)`);
}

main().catch((err: unknown) => {
  log(`capture failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
