/**
 * The "no Temporal" baseline of the pipeline benchmark: one nightly run's activities called directly in this
 * process, with the worker's wiring (createActivities with the same environment) and a MockActivityEnvironment as
 * the activity Context, in the order and with the arguments the workflows use:
 *
 *   planIngestWindow + extractWarehouseMetering   (ingest; timed, not part of the comparison)
 *   computeDailyFeatures { from: min(ingest from, training start), to: asOf }
 *   listTrainableWarehouses + trainWarehouseModel per warehouse, in waves of maxParallel (8) like trainModels
 *   scoreWarehouseDays { from: asOf, to: asOf }
 *
 *   tsx bench/pipeline-inprocess.ts AS_OF SOURCE HISTORY_DAYS
 *
 * Needs DATABASE_URL (and SNOWFLAKE_* for the snowflake source). Prints one JSON line.
 */
import fs from 'node:fs';
import { MockActivityEnvironment } from '@temporalio/testing';
import { activitiesFor } from '../client/app';
import { openDatabase } from '../activities/store/database';
import type { TrainWarehouseResult } from '../activities/train-activities';
import { loadConfig } from '../schemas/config';
import { addDays, minDay } from '../schemas/dates';
import { DEFAULTS } from '../schemas/inputs';
import { memoryOf } from './pipeline-processes';

/** Run an activity function with a mocked activity Context, as the worker would with a real one. */
const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
  new MockActivityEnvironment().run(fn, ...args);

async function timed<R>(fn: () => Promise<R>): Promise<{ value: R; seconds: number; from: number; to: number }> {
  const from = Date.now();
  const value = await fn();
  const to = Date.now();
  return { value, seconds: (to - from) / 1000, from, to };
}

async function main(): Promise<void> {
  const [asOf, source, historyDaysText] = process.argv.slice(2);
  const config = loadConfig(process.env);
  const database = await openDatabase({ databaseUrl: config.databaseUrl });
  try {
    // Wired exactly as the worker wires them.
    const activities = activitiesFor(config, database, config.temporal.namespace);
    const trainedTo = addDays(asOf, -1);
    const trainedFrom = addDays(trainedTo, 1 - DEFAULTS.trainingDays);

    const ingest = await timed(async () => {
      const window = await run(activities.planIngestWindow, {
        source,
        to: asOf,
        historyDays: Number(historyDaysText),
        reloadDays: DEFAULTS.reloadDays,
      });
      return { window, loaded: await run(activities.extractWarehouseMetering, window) };
    });
    const afterIngest = memoryOf(process.pid);
    // From here on VmHWM is the peak of features + train + score alone.
    fs.writeFileSync('/proc/self/clear_refs', '5');

    const features = await timed(() =>
      run(activities.computeDailyFeatures, { from: minDay(ingest.value.window.from, trainedFrom), to: asOf }),
    );
    const train = await timed(async () => {
      const warehouses = await run(activities.listTrainableWarehouses, { trainedFrom, trainedTo });
      const results: TrainWarehouseResult[] = [];
      for (let i = 0; i < warehouses.length; i += DEFAULTS.maxParallelTraining) {
        const wave = warehouses.slice(i, i + DEFAULTS.maxParallelTraining);
        results.push(
          ...(await Promise.all(
            wave.map((warehouse) =>
              run(activities.trainWarehouseModel, {
                warehouse,
                trainedFrom,
                trainedTo,
                workflowId: 'bench-inprocess',
                runId: 'bench-inprocess',
              }),
            ),
          )),
        );
      }
      return results;
    });
    const score = await timed(() =>
      run(activities.scoreWarehouseDays, { from: asOf, to: asOf, workflowId: 'bench-inprocess' }),
    );
    const peak = memoryOf(process.pid);
    process.stdout.write(
      `${JSON.stringify({
        asOf,
        ingest: { seconds: ingest.seconds, ...ingest.value.loaded, from: ingest.value.window.from },
        features: { seconds: features.seconds, ...features.value },
        train: {
          seconds: train.seconds,
          warehouses: train.value.length,
          trained: train.value.filter((r) => r.status === 'trained').length,
          created: train.value.filter((r) => r.status === 'trained' && r.created).length,
        },
        score: {
          seconds: score.seconds,
          scored: score.value.scored,
          anomalies: score.value.anomalyIds.length,
        },
        computeSeconds: (score.to - features.from) / 1000,
        rssAfterIngestMB: (afterIngest?.hwmKB ?? 0) / 1024,
        rssPeakComputeMB: (peak?.hwmKB ?? 0) / 1024,
      })}\n`,
    );
  } finally {
    await database.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
