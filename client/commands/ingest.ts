/** `snowpatrol ingest`: load metering for a window of days through the ingestMetering workflow. */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { TASK_QUEUE, WORKFLOW_TYPES, workflowIdFor } from '../../schemas/constants';
import type { Config } from '../../schemas/config';
import type { ingestMetering } from '../../workflows';
import { MAX_INGEST_DAYS } from '../../schemas/inputs';
import { withApp } from '../app';
import { checkDayRange, checkLocalSource, progress } from '../options';

export interface IngestCommandOptions {
  source: string;
  from?: string;
  to: string;
  json: boolean;
}

export async function ingestCommand(config: Config, opts: IngestCommandOptions): Promise<void> {
  if (opts.from) checkDayRange(opts.from, opts.to, MAX_INGEST_DAYS);
  // The worker runs in this process: a bad export is named now, before a workflow starts (or alerts) over it.
  await checkLocalSource(opts.source, config);
  await withApp(config, { worker: true, log: progress }, async (app) => {
    const result = await app.call(() =>
      app.client.workflow.execute<typeof ingestMetering>(WORKFLOW_TYPES.ingest, {
        taskQueue: TASK_QUEUE,
        workflowId: workflowIdFor('ingest', opts.to),
        args: [{ asOf: opts.to, source: opts.source, from: opts.from, to: opts.to }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        staticSummary: `ingest ${opts.source} up to ${opts.to}`,
      }),
    );
    if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      process.stdout.write(
        `Loaded ${result.source}: ${result.days} day(s) ${result.from} → ${result.to}, ${result.rowsRead} hourly rows read, ` +
          `${result.rowsUpserted} new or changed, ${result.warehouses} warehouses.\n`,
      );
    }
  });
}
