/**
 * `snowpatrol data-ready [--as-of D]`: release a pipeline run that is waiting for the day's data (the
 * `dataReady` signal), e.g. from the job that loads Snowflake once it has finished.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { PipelineProgress } from '../../schemas/results';
import type { Config } from '../../schemas/config';
import { workflowIdFor } from '../../schemas/constants';
import { withExistingClient } from '../app';
import { printResult } from '../options';

export async function dataReadyCommand(
  config: Config,
  opts: { asOf: string; by: string; json: boolean },
): Promise<void> {
  await withExistingClient(config, async (client) => {
    const workflowId = workflowIdFor('pipeline', opts.asOf);
    const handle = client.workflow.getHandle(workflowId);
    const description = await handle.describe().catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) {
        throw new Error(`no pipeline run for ${opts.asOf} (workflow ${workflowId} not found)`);
      }
      throw err;
    });
    if (description.status.name !== 'RUNNING') {
      throw new Error(`the pipeline run for ${opts.asOf} is ${description.status.name}, not waiting`);
    }
    // Without a worker to answer the query the stage is unknown; the signal is harmless, so send it anyway.
    const progress = await handle.query<PipelineProgress>('progress').catch(() => undefined);
    if (progress && progress.stage !== 'waiting-for-data' && progress.stage !== 'starting') {
      throw new Error(`the pipeline run for ${opts.asOf} is not waiting for data (it is at stage ${progress.stage})`);
    }
    await handle.signal('dataReady', { by: opts.by });
    const result = { workflowId, runId: description.runId, signalled: 'dataReady', by: opts.by };
    printResult(opts.json, result, `Sent dataReady to ${workflowId} (by ${opts.by}).`);
  });
}
