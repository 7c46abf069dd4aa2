/** Judge each warehouse-day with the newest model trained before it, and record the anomalies. */
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { SEARCH_ATTRIBUTES, WORKFLOW_TYPES } from '../schemas/constants';
import { scoreInput, type ScoreInput } from '../schemas/inputs';
import type { ScoreResult } from '../schemas/results';
import { longRunning } from './activity-profiles';
import { resolveAsOf, tagRun } from './as-of';
import { alertOnFailure } from './failure-alert';
import { parseInput } from './validate';

export async function scoreAnomalies(raw?: ScoreInput): Promise<ScoreResult> {
  const input = parseInput(scoreInput, raw, WORKFLOW_TYPES.score);
  const asOf = resolveAsOf(input.asOf ?? input.to);
  tagRun(asOf, 'score');
  // Run on its own (not as the pipeline's child), a failure after the retries is alerted.
  return alertOnFailure(
    () => 'score',
    asOf,
    async () => {
      const to = input.to ?? asOf;
      const from = input.from ?? to;
      const result = await longRunning.scoreWarehouseDays.executeWithOptions({ summary: `Score ${from} → ${to}` }, [
        { from, to, workflowId: workflowInfo().workflowId },
      ]);
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.anomalyCount, value: result.anomalyIds.length }]);
      return { from, to, anomalies: result.anomalyIds.length, ...result };
    },
  );
}
