/** Tell the owners: one alert per anomalous warehouse-day, ever. */
import { workflowInfo } from '@temporalio/workflow';
import { WORKFLOW_TYPES } from '../schemas/constants';
import { notifyInput, type NotifyInput } from '../schemas/inputs';
import type { NotifyResult } from '../schemas/results';
import { delivery } from './activity-profiles';
import { resolveAsOf, tagRun } from './as-of';
import { alertOnFailure } from './failure-alert';
import { parseInput } from './validate';

export async function notifyAnomalies(raw?: NotifyInput): Promise<NotifyResult> {
  const input = parseInput(notifyInput, raw, WORKFLOW_TYPES.notify);
  const asOf = resolveAsOf(input.asOf ?? input.to);
  tagRun(asOf, 'notify');
  // Run on its own (not as the pipeline's child), a failure after the retries is alerted.
  return alertOnFailure(
    () => 'notify',
    asOf,
    async () => {
      const to = input.to ?? asOf;
      const info = workflowInfo();
      const run = info.root ?? { workflowId: info.workflowId, runId: info.runId };
      const sent = await delivery.sendAnomalyAlerts.executeWithOptions({ summary: `Alert new anomalies up to ${to}` }, [
        {
          from: input.from ?? to,
          to,
          workflowId: run.workflowId,
          runId: run.runId,
        },
      ]);
      return {
        alerted: sent.alerted,
        alreadyAlerted: sent.alreadyAlerted,
        updated: sent.updated,
        snoozed: sent.snoozed,
        messages: sent.messages,
        destination: sent.destination,
      };
    },
  );
}
