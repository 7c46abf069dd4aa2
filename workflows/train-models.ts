/** Train one model per warehouse on the days before the first day to be scored, a bounded number at a time. */
import { setHandler, workflowInfo } from '@temporalio/workflow';
import { trainProgressQuery } from './definitions';
import { WORKFLOW_TYPES } from '../schemas/constants';
import { addDays } from '../schemas/dates';
import { trainInput, type TrainInput } from '../schemas/inputs';
import type { TrainResult } from '../schemas/results';
import type { TrainWarehouseResult } from '../activities/train-activities';
import { quick, training } from './activity-profiles';
import { resolveAsOf, tagRun } from './as-of';
import { alertOnFailure } from './failure-alert';
import { parseInput } from './validate';

export async function trainModels(raw?: TrainInput): Promise<TrainResult> {
  const input = parseInput(trainInput, raw, WORKFLOW_TYPES.train);
  const asOf = resolveAsOf(input.asOf ?? (input.trainedTo && addDays(input.trainedTo, 1)));
  tagRun(asOf, 'train');
  // Run on its own (not as the pipeline's child), a failure after the retries is alerted.
  return alertOnFailure(
    () => 'train',
    asOf,
    async () => {
      const trainedTo = input.trainedTo ?? addDays(asOf, -1);
      const trainedFrom = addDays(trainedTo, 1 - input.trainingDays);
      const { workflowId, runId } = workflowInfo();

      const warehouses = await quick.listTrainableWarehouses({ trainedFrom, trainedTo });
      const results: TrainWarehouseResult[] = [];
      setHandler(trainProgressQuery, () => ({ done: results.length, total: warehouses.length }));
      for (let i = 0; i < warehouses.length; i += input.maxParallel) {
        const wave = warehouses.slice(i, i + input.maxParallel);
        results.push(
          ...(await Promise.all(
            wave.map((warehouse) =>
              training.trainWarehouseModel.executeWithOptions(
                { summary: `Train ${warehouse} on ${trainedFrom} → ${trainedTo}` },
                [{ warehouse, trainedFrom, trainedTo, workflowId, runId }],
              ),
            ),
          )),
        );
      }
      return {
        trainedFrom,
        trainedTo,
        models: results.flatMap((r) =>
          r.status === 'trained'
            ? [
                {
                  warehouse: r.warehouse,
                  modelVersionId: r.modelVersionId,
                  version: r.version,
                  created: r.created,
                  champion: r.champion,
                },
              ]
            : [],
        ),
        skipped: results.flatMap((r) => (r.status === 'skipped' ? [{ warehouse: r.warehouse, reason: r.reason }] : [])),
      };
    },
  );
}
