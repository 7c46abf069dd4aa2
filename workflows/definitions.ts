/** Queries, signals and updates of snowpatrol's workflows, defined once. */
import { defineQuery } from '@temporalio/workflow';
import type { PipelineProgress } from '../schemas/results';

/** Where a pipeline run is: current stage and stages completed. */
export const progressQuery = defineQuery<PipelineProgress>('progress');

/** Where a training run is: warehouses trained so far out of all. */
export const trainProgressQuery = defineQuery<{ done: number; total: number }>('progress');
