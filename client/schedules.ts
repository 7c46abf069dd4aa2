/**
 * The schedules snowpatrol keeps in Temporal, built from config, and an idempotent apply: create what is missing,
 * update what changed (keeping a paused schedule paused), leave the rest alone. A fingerprint of the declared
 * settings travels in the action's memo, so "unchanged" is decided without comparing Temporal's normalised specs.
 */
import { createHash } from 'node:crypto';
import {
  type Client,
  type ScheduleOptionsStartWorkflowAction,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Workflow,
} from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { SEARCH_ATTRIBUTES, TASK_QUEUE, WORKFLOW_TYPES } from '../schemas/constants';
import type { OverlapPolicy, ScheduleSettings } from '../schemas/schedule-config';

export const SCHEDULE_IDS = { pipeline: 'snowpatrol-daily-pipeline', retrain: 'snowpatrol-weekly-retrain' } as const;

const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  buffer_one: ScheduleOverlapPolicy.BUFFER_ONE,
  buffer_all: ScheduleOverlapPolicy.BUFFER_ALL,
  cancel_other: ScheduleOverlapPolicy.CANCEL_OTHER,
  terminate_other: ScheduleOverlapPolicy.TERMINATE_OTHER,
  allow_all: ScheduleOverlapPolicy.ALLOW_ALL,
};

export interface DesiredSchedule {
  scheduleId: string;
  description: string;
  cron: string;
  action: ScheduleOptionsStartWorkflowAction<Workflow>;
  policies: { overlap: ScheduleOverlapPolicy; catchupWindow: Duration; pauseOnFailure: boolean };
  fingerprint: string;
}

/** The schedules the settings declare (a schedule set to "off" is absent). */
export function desiredSchedules(settings: ScheduleSettings): DesiredSchedule[] {
  const policies = {
    overlap: OVERLAP[settings.overlap],
    // parseScheduleSettings admits only durations the ms format reads ("1 day", "6 hours", "30m").
    catchupWindow: settings.catchupWindow as Duration,
    pauseOnFailure: settings.pauseOnFailure,
  };
  const declared = [
    settings.pipelineCron && {
      scheduleId: SCHEDULE_IDS.pipeline,
      description: 'daily pipeline for the previous day',
      cron: settings.pipelineCron,
      workflowType: WORKFLOW_TYPES.scheduled,
      workflowId: 'snowpatrol-scheduled-pipeline',
      summary: 'Daily snowpatrol pipeline (as-of = the day before the scheduled time)',
    },
    settings.retrainCron && {
      scheduleId: SCHEDULE_IDS.retrain,
      description: 'weekly retraining',
      cron: settings.retrainCron,
      workflowType: WORKFLOW_TYPES.train,
      workflowId: 'snowpatrol-scheduled-retrain',
      summary: 'Weekly snowpatrol retraining (on the days before the scheduled time)',
    },
  ].filter((s): s is Exclude<typeof s, '' | undefined> => Boolean(s));
  return declared.map((s) => {
    const fingerprint = createHash('sha256')
      .update(JSON.stringify({ cron: s.cron, type: s.workflowType, summary: s.summary, policies }))
      .digest('hex')
      .slice(0, 16);
    return {
      scheduleId: s.scheduleId,
      description: s.description,
      cron: s.cron,
      action: {
        type: 'startWorkflow',
        workflowType: s.workflowType,
        workflowId: s.workflowId,
        taskQueue: TASK_QUEUE,
        args: [{}],
        memo: { snowpatrolScheduleFingerprint: fingerprint },
        staticSummary: s.summary,
      },
      policies,
      fingerprint,
    };
  });
}

export type ApplyOutcome = 'created' | 'updated' | 'unchanged';

/** Create or update each declared schedule; returns what happened to each. */
export async function applySchedules(
  client: Client,
  settings: ScheduleSettings,
): Promise<{ scheduleId: string; outcome: ApplyOutcome }[]> {
  const results: { scheduleId: string; outcome: ApplyOutcome }[] = [];
  for (const desired of desiredSchedules(settings)) {
    const handle = client.schedule.getHandle(desired.scheduleId);
    let current;
    try {
      current = await handle.describe();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
    if (!current) {
      await client.schedule.create({
        scheduleId: desired.scheduleId,
        spec: { cronExpressions: [desired.cron] },
        action: desired.action,
        policies: desired.policies,
        memo: { createdBy: 'snowpatrol schedules apply' },
        typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.stage, value: 'schedule' }],
      });
      results.push({ scheduleId: desired.scheduleId, outcome: 'created' });
      continue;
    }
    const memo = (current.action as { memo?: Record<string, unknown> }).memo;
    if (memo?.snowpatrolScheduleFingerprint === desired.fingerprint) {
      results.push({ scheduleId: desired.scheduleId, outcome: 'unchanged' });
      continue;
    }
    // update() keeps what is not replaced, including the paused state and its note.
    await handle.update((previous) => ({
      ...previous,
      spec: { cronExpressions: [desired.cron] },
      action: desired.action,
      policies: desired.policies,
    }));
    results.push({ scheduleId: desired.scheduleId, outcome: 'updated' });
  }
  return results;
}
