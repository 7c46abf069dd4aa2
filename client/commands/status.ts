/** `snowpatrol status <workflowId>`: where a pipeline run is, with progress bars, from its `progress` queries. */
import type { Config } from '../../schemas/config';
import { workflowIdFor } from '../../schemas/constants';
import { runUrl } from '../../schemas/links';
import type { PipelineProgress } from '../../schemas/results';
import { withExistingClient } from '../app';

const STAGES = ['ingest', 'features', 'train', 'score', 'attribute', 'notify'];

/** `[#####-----]  3/5` */
export function bar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.round((done / total) * width) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}

export async function statusCommand(config: Config, workflowId: string, opts: { json: boolean }): Promise<void> {
  if (workflowId.trim() === '') throw new Error('status needs a workflow id, e.g. snowpatrol-pipeline-2026-11-20');
  await withExistingClient(config, async (client) => {
    const handle = client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    const progress = await handle.query<PipelineProgress>('progress').catch(() => undefined);
    let training: { done: number; total: number } | undefined;
    if (progress?.stage === 'train') {
      training = await client.workflow
        .getHandle(workflowIdFor('train', progress.asOf))
        .query<{ done: number; total: number }>('progress')
        .catch(() => undefined);
    }
    const url = runUrl(config.webUiUrl, config.temporal.namespace, workflowId, description.runId);
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ workflowId, status: description.status.name, progress, training, url }, null, 2)}\n`,
      );
      return;
    }
    const lines = [`${workflowId}: ${description.status.name}${progress ? ` (as of ${progress.asOf})` : ''}`];
    if (progress) {
      lines.push(
        `  stages     ${bar(progress.completed.filter((s) => STAGES.includes(s.stage)).length, STAGES.length)}  ${progress.stage === 'done' ? 'done' : `now: ${progress.stage}`}`,
      );
      for (const s of progress.completed) lines.push(`    ✓ ${s.stage.padEnd(9)} ${s.seconds.toFixed(1)} s`);
      const waiting = progress.waitingForData;
      if (waiting) {
        lines.push(
          `  waiting for Snowflake to publish ${progress.asOf} since ${waiting.since}: ${waiting.missing.join(', ')}`,
          `    ${waiting.checks} check(s), next at ${waiting.nextCheckAt}; proceeds with partial data at ${waiting.deadline}`,
          `    release it now: snowpatrol data-ready --as-of ${progress.asOf}`,
        );
      }
      if (training) lines.push(`  warehouses ${bar(training.done, training.total)}  trained`);
    } else {
      lines.push('  progress unavailable: no worker is polling task queue "snowpatrol" to answer the query');
    }
    lines.push(`  ${url}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}
