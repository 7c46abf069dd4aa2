/** Queries, signals and updates of snowpatrol's workflows, defined once. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { PipelineProgress } from '../schemas/results';

/** Where a pipeline run is: current stage and stages completed. */
export const progressQuery = defineQuery<PipelineProgress>('progress');

/** Where a training run is: warehouses trained so far out of all. */
export const trainProgressQuery = defineQuery<{ done: number; total: number }>('progress');

/**
 * Release a pipeline that is waiting for the day's data: proceed now with what exists. `by` says who released
 * it (recorded in the result); the signal may also be sent with no argument.
 */
export const dataReadySignal = defineSignal<[{ by?: string }?]>('dataReady');
