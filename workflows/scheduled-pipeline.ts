/**
 * What a schedule (or a schedule backfill) starts: the pipeline for the day before the scheduled time, under its
 * business id, so it is the same run as any other start of that day.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_ERROR_TYPES, WORKFLOW_TYPES } from '../schemas/constants';
import { scheduledPipelineInput, type ScheduledPipelineInput } from '../schemas/inputs';
import { resolveAsOf, tagRun } from './as-of';
import { parseInput } from './validate';

const launcher = proxyActivities<Activities>({
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10s', maximumInterval: '5 minutes', nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
});

export async function scheduledPipeline(raw?: ScheduledPipelineInput) {
  const input = parseInput(scheduledPipelineInput, raw, WORKFLOW_TYPES.scheduled);
  const asOf = resolveAsOf(undefined);
  tagRun(asOf, 'scheduled');
  return launcher.runPipelineForDay({ asOf, input });
}
