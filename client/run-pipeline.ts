/** Start (or attach to) the pipeline run for a day, show its progress live, and wait for the result. */
import { WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { SEARCH_ATTRIBUTES, WORKFLOW_TYPES, workflowIdFor } from '../schemas/constants';
import { pipelineStartOptions } from '../schemas/start-policies';
import type { PipelineInput } from '../schemas/inputs';
import { runUrl } from '../schemas/links';
import type { PipelineProgress, PipelineResult } from '../schemas/results';
import type { snowpatrolPipeline } from '../workflows';
import type { AppSession } from './app';

export interface PipelineRun {
  result: PipelineResult;
  workflowId: string;
  runId: string;
  url: string;
  /** False when the day had already completed and its stored result is shown. */
  executed: boolean;
}

export interface RunOptions {
  /** Run again even if this day already completed (activities are idempotent). */
  rerun: boolean;
  log: (line: string) => void;
}

export async function runPipeline(
  app: AppSession,
  input: PipelineInput & { asOf: string },
  options: RunOptions,
): Promise<PipelineRun> {
  const workflowId = workflowIdFor('pipeline', input.asOf);
  let handle: WorkflowHandle<typeof snowpatrolPipeline>;
  let executed = true;
  try {
    handle = await app.client.workflow.start<typeof snowpatrolPipeline>(WORKFLOW_TYPES.pipeline, {
      // A finished day is not run twice unless asked; a running one is joined, not duplicated.
      ...pipelineStartOptions(input.asOf, options.rerun),
      args: [input],
      typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.asOf, value: input.asOf }],
      staticSummary: `snowpatrol pipeline for ${input.asOf}`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    options.log(`Pipeline for ${input.asOf} already completed; showing its result (pass --rerun to run it again).`);
    handle = app.client.workflow.getHandle<typeof snowpatrolPipeline>(workflowId);
    executed = false;
  }
  const { runId } = await app.call(() => handle.describe());
  const url = runUrl(app.temporal.uiUrl, app.temporal.namespace, workflowId, runId);
  options.log(`Pipeline: ${workflowId} (${url})`);
  const result = executed ? await followProgress(app, handle, options.log) : await app.call(() => handle.result());
  return { result, workflowId, runId, url, executed };
}

/** Print each stage as the run enters it and when it finishes, from the workflow's `progress` query. */
async function followProgress(
  app: AppSession,
  handle: WorkflowHandle<typeof snowpatrolPipeline>,
  log: (line: string) => void,
): Promise<PipelineResult> {
  let done = false;
  const resultPromise = app
    .call(() => handle.result())
    .finally(() => {
      done = true;
    });
  let printed = 0;
  let current = '';
  let checks = 0;
  const report = (progress: PipelineProgress) => {
    for (const stage of progress.completed.slice(printed)) log(`  ✓ ${stage.stage} (${stage.seconds.toFixed(1)} s)`);
    printed = Math.max(printed, progress.completed.length);
    if (progress.stage !== current && !['starting', 'done'].includes(progress.stage)) log(`  ▸ ${progress.stage}…`);
    current = progress.stage;
    const waiting = progress.waitingForData;
    if (waiting && waiting.checks !== checks) {
      checks = waiting.checks;
      log(
        `    not yet published for ${waiting.missing.join(', ')}; next check ${waiting.nextCheckAt}, ` +
          `deadline ${waiting.deadline} (release: snowpatrol data-ready --as-of ${progress.asOf})`,
      );
    }
  };
  while (!done) {
    const progress = await app.call(() => handle.query<PipelineProgress>('progress')).catch(() => undefined);
    if (progress) report(progress);
    await Promise.race([resultPromise.catch(() => undefined), new Promise((r) => setTimeout(r, 250))]);
  }
  const result = await resultPromise;
  const final = await app.call(() => handle.query<PipelineProgress>('progress')).catch(() => undefined);
  if (final) report(final);
  return result;
}
