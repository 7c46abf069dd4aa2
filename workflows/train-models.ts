/** Train one model per warehouse on the days before the first day to be scored, a bounded number at a time. */
import { patched, setHandler, workflowInfo } from '@temporalio/workflow';
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
      // Runs recorded before batches replay one activity per warehouse, in waves.
      if (patched('train-in-batches')) {
        // Batches of warehouses, `maxParallel` in flight at all times (no barrier between waves): at 1,000
        // warehouses that is 40 activities instead of 1,000, and a free slot never waits for a slow batch.
        const batches = chunk(warehouses, batchSize(warehouses.length, input.maxParallel));
        await inParallel(batches, input.maxParallel, async (batch) => {
          const trained = await training.trainWarehouseModels.executeWithOptions(
            { summary: `Train ${batch.length} warehouse(s) ${batch[0]} … ${batch[batch.length - 1]}` },
            [{ warehouses: batch, trainedFrom, trainedTo, workflowId, runId }],
          );
          results.push(...trained);
        });
        results.sort((a, b) => (a.warehouse < b.warehouse ? -1 : a.warehouse > b.warehouse ? 1 : 0));
      } else {
        await trainInWaves();
      }
      return summarise(trainedFrom, trainedTo, results);

      async function trainInWaves(): Promise<void> {
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
      }
    },
  );
}

/** The most warehouses one training activity trains. */
const MAX_TRAIN_BATCH = 25;

/** Batches small enough that every parallel slot gets about two of them, and at most MAX_TRAIN_BATCH big. */
function batchSize(warehouses: number, maxParallel: number): number {
  return Math.min(MAX_TRAIN_BATCH, Math.max(1, Math.ceil(warehouses / (2 * maxParallel))));
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Run `work` on every item, at most `limit` at a time; a finished item's slot goes to the next at once. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

function summarise(trainedFrom: string, trainedTo: string, results: readonly TrainWarehouseResult[]): TrainResult {
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
}
