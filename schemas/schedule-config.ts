/**
 * The schedules `snowpatrol schedules apply` keeps in Temporal, from SNOWPATROL_SCHEDULE_* variables. Problems are
 * returned as messages naming the variable, so `loadConfig` reports them with all others.
 */

export type OverlapPolicy = 'skip' | 'buffer_one' | 'buffer_all' | 'cancel_other' | 'terminate_other' | 'allow_all';

export interface ScheduleSettings {
  /** Cron expression (UTC) of the daily pipeline, or undefined when turned off. */
  pipelineCron: string | undefined;
  /** Cron expression (UTC) of the weekly retraining, or undefined when turned off. */
  retrainCron: string | undefined;
  /** How late a missed run may still start after an outage (Airflow's `catchup`, bounded). */
  catchupWindow: string;
  overlap: OverlapPolicy;
  /** Pause the schedule when a run fails after its retries. */
  pauseOnFailure: boolean;
}

const OVERLAPS: OverlapPolicy[] = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'];
const CRON_FIELD = /^[\d*,/-]+$|^[A-Za-z]{3}(-[A-Za-z]{3})?$/;
/** Minute, hour, day of month, month, day of week: the numbers each field may hold. */
const CRON_RANGES = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
];

function cron(env: NodeJS.ProcessEnv, key: string, fallback: string, problems: string[]): string | undefined {
  const raw = (env[key] ?? '').trim();
  if (raw === '') return fallback;
  if (raw.toLowerCase() === 'off') return undefined;
  const fields = raw.split(/\s+/);
  if (fields.length !== 5 || !fields.every((f) => CRON_FIELD.test(f))) {
    problems.push(`${key}: expected a 5-field cron expression like "${fallback}" (UTC) or "off", got "${raw}"`);
    return raw;
  }
  for (const [i, field] of fields.entries()) {
    const { name, min, max } = CRON_RANGES[i];
    // Step sizes (after "/") are counts, not values of the field.
    const values = field.split(',').flatMap((part) => part.split('/')[0].split('-'));
    const bad = values.find((v) => /^\d+$/.test(v) && (Number(v) < min || Number(v) > max));
    if (bad !== undefined) problems.push(`${key}: ${name} ${bad} is out of range ${min}-${max} in "${raw}"`);
  }
  return raw;
}

export function parseScheduleSettings(env: NodeJS.ProcessEnv): { settings: ScheduleSettings; problems: string[] } {
  const problems: string[] = [];
  const pipelineCron = cron(env, 'SNOWPATROL_SCHEDULE_PIPELINE', '0 7 * * *', problems);
  const retrainCron = cron(env, 'SNOWPATROL_SCHEDULE_RETRAIN', '0 6 * * 1', problems);
  const catchupWindow = (env.SNOWPATROL_SCHEDULE_CATCHUP_WINDOW ?? '').trim() || '1 day';
  if (!/^\d+\s*(s|sec|seconds?|m|min|minutes?|h|hours?|d|days?)$/i.test(catchupWindow)) {
    problems.push(
      `SNOWPATROL_SCHEDULE_CATCHUP_WINDOW: expected a duration like "1 day" or "6 hours", got "${catchupWindow}"`,
    );
  }
  const overlap = ((env.SNOWPATROL_SCHEDULE_OVERLAP ?? '').trim().toLowerCase() || 'skip') as OverlapPolicy;
  if (!OVERLAPS.includes(overlap)) {
    problems.push(
      `SNOWPATROL_SCHEDULE_OVERLAP: expected one of ${OVERLAPS.join(', ')}, got "${env.SNOWPATROL_SCHEDULE_OVERLAP}"`,
    );
  }
  const pauseRaw = (env.SNOWPATROL_SCHEDULE_PAUSE_ON_FAILURE ?? '').trim().toLowerCase();
  if (pauseRaw !== '' && !['true', 'false', '1', '0', 'yes', 'no'].includes(pauseRaw)) {
    problems.push(`SNOWPATROL_SCHEDULE_PAUSE_ON_FAILURE: must be true or false, got "${pauseRaw}"`);
  }
  return {
    settings: {
      pipelineCron,
      retrainCron,
      catchupWindow,
      overlap,
      pauseOnFailure: ['true', '1', 'yes'].includes(pauseRaw),
    },
    problems,
  };
}
