/**
 * How a pipeline run for a day is started, wherever it is started from (CLI, schedule, backfill): under the
 * business id `snowpatrol-pipeline-<asOf>`, joining a run of that day that is still going, and refusing to
 * repeat one that completed (a failed day may run again).
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { TASK_QUEUE, workflowIdFor } from './constants';

export function pipelineStartOptions(asOf: string, rerun = false) {
  return {
    taskQueue: TASK_QUEUE,
    workflowId: workflowIdFor('pipeline', asOf),
    workflowIdReusePolicy: rerun
      ? WorkflowIdReusePolicy.ALLOW_DUPLICATE
      : WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
  };
}
