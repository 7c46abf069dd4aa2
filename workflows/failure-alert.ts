/**
 * Failure alerts: a run whose stage fails after its retries tells the owners — which stage, the error, the
 * Web UI link — and then fails as before (what Airflow's on_failure_callback did). A stage running as the
 * pipeline's child leaves the alert to the pipeline, so one failure is one alert.
 */
import { isCancellation, patched, workflowInfo } from '@temporalio/workflow';
import { notice } from './activity-profiles';

/** The deepest cause's type and message: what went wrong, not the layers Temporal wrapped it in. */
export function rootCause(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  if (!(current instanceof Error)) return String(current);
  const type = (current as { type?: unknown }).type;
  return typeof type === 'string' && type !== '' && type !== 'Error' ? `${type}: ${current.message}` : current.message;
}

/**
 * Run `work`; if it fails (other than by cancellation), post a failure alert for `stage()` — evaluated at the
 * failure, so a pipeline names the stage it was in — and rethrow. An alert that cannot be delivered is logged
 * by its activity and does not replace the original error.
 */
export async function alertOnFailure<T>(
  stage: () => string,
  asOf: string,
  work: () => Promise<T>,
  enabled = true,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const info = workflowInfo();
    // Histories recorded before failure alerts existed replay without them.
    if (enabled && !isCancellation(err) && info.parent === undefined && patched('failure-alert')) {
      await notice.sendFailureAlert
        .executeWithOptions({ summary: `Failure alert: ${stage()}` }, [
          {
            stage: stage(),
            error: rootCause(err),
            asOf,
            workflowId: info.workflowId,
            runId: info.runId,
            runStartedAt: info.startTime.toISOString(),
          },
        ])
        .catch(() => undefined);
    }
    throw err;
  }
}
