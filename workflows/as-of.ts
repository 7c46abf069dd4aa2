/** Which day a run is for. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { addDays, toIsoDay } from '../schemas/dates';
import { SEARCH_ATTRIBUTES } from '../schemas/constants';

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/**
 * The explicit `asOf` (or the stage's explicit last day), else the day before the scheduled start time (so a schedule backfill computes the day it
 * stands for), else the day before the workflow started.
 */
export function resolveAsOf(asOf: string | undefined): string {
  if (asOf) return asOf;
  const info = workflowInfo();
  const scheduled = info.typedSearchAttributes.get(SCHEDULED_START);
  return addDays(toIsoDay(scheduled ?? info.startTime), -1);
}

/** Make the run findable in the Web UI by day and stage. */
export function tagRun(asOf: string, stage: string): void {
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.asOf, value: asOf },
    { key: SEARCH_ATTRIBUTES.stage, value: stage },
  ]);
}
