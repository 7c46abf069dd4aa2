/**
 * The one JSON-object input of each workflow, as zod schemas. Every field is optional, so
 * `temporal workflow start --input '{}'` works; unknown fields are rejected so a typo is an error, not a
 * silently ignored setting. Workflows parse their input with these and fail fast with `InvalidInput`.
 */
import { z } from 'zod';
import { daysBetween, dayOutOfRange, isIsoDate, toIsoDay } from './dates';

/**
 * A day from EARLIEST_DAY to today (UTC). In a workflow, `Date.now()` is the workflow task's time, recorded in the
 * history, so the check replays deterministically.
 */
const isoDate = z
  .string({ error: (issue) => `expected a date string like "2026-11-20", got ${JSON.stringify(issue.input)}` })
  .superRefine((value, ctx) => {
    const problem = isIsoDate(value)
      ? dayOutOfRange(value, toIsoDay(Date.now()))
      : `expected a date like "2026-11-20", got ${JSON.stringify(value)}`;
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
  });

/** The most days one ingestMetering run (or `snowpatrol ingest`) loads: the largest `historyDays`. */
export const MAX_INGEST_DAYS = 1460;

interface DayWindow {
  asOf?: string;
  from?: string;
  to?: string;
}

/** `from` must not be after the window's last day (`to`, which defaults to `asOf`); nor span over `maxDays`. */
function checkWindow(maxDays?: number) {
  return (input: DayWindow, ctx: z.RefinementCtx) => {
    const last = input.to ?? input.asOf;
    // Days that are not dates were reported on their own field.
    if (input.from === undefined || last === undefined || !isIsoDate(input.from) || !isIsoDate(last)) return;
    const named = input.to !== undefined ? `to "${input.to}"` : `asOf "${input.asOf}" (the default of to)`;
    if (input.from > last) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: `"${input.from}" is after ${named}` });
    } else if (maxDays !== undefined && daysBetween(input.from, last) + 1 > maxDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: `"${input.from}" → ${named} is ${daysBetween(input.from, last) + 1} days; at most ${maxDays} at once`,
      });
    }
  };
}

const days = (min: number, max: number) =>
  z
    .number({ error: 'expected a whole number of days' })
    .int({ error: 'expected a whole number of days' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const seconds = (min: number, max: number) =>
  z
    .number({ error: 'expected a whole number of seconds' })
    .int({ error: 'expected a whole number of seconds' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

/** A metering source: `snowflake`, `demo`, or `csv:<path to a WAREHOUSE_METERING_HISTORY export>`. */
export const sourceSpec = z
  .string()
  .refine((s) => s === 'snowflake' || s === 'demo' || (s.startsWith('csv:') && s.length > 4), {
    error: (issue) => `expected "snowflake", "demo" or "csv:<path>", got ${JSON.stringify(issue.input)}`,
  });

/** Defaults shared by the pipeline and the stages (documented in the README). */
export const DEFAULTS = {
  historyDays: 120,
  reloadDays: 3,
  trainingDays: 90,
  scoreDays: 1,
  windowDays: 28,
  dataCheckEverySeconds: 900,
  dataCheckMaxSeconds: 3600,
  dataDeadlineHours: 30,
  catchUpDays: 7,
  maxParallelTraining: 8,
  causeWaitHours: 0,
  causeEditHours: 24,
  causeCheckEveryMinutes: 30,
} as const;

const hours = (max: number) =>
  z
    .number({ error: 'expected a number of hours' })
    .min(0, { error: 'must be at least 0' })
    .max(max, { error: `must be at most ${max}` });

export const pipelineInput = z.strictObject({
  /** Day to process; default: the day before the scheduled (or start) time, UTC. */
  asOf: isoDate.optional(),
  /** Metering source; default: the worker's configured source (`SNOWPATROL_SOURCE`). */
  source: sourceSpec.optional(),
  /** Days of history loaded on a first run. */
  historyDays: days(14, MAX_INGEST_DAYS).default(DEFAULTS.historyDays),
  /** Trailing days re-loaded every run, because Snowflake restates recent metering. */
  reloadDays: days(0, 30).default(DEFAULTS.reloadDays),
  /** Days of history each model trains on. */
  trainingDays: days(14, 730).default(DEFAULTS.trainingDays),
  /** Days scored, ending at `asOf`; models train on data before the first scored day. */
  scoreDays: days(1, 366).default(DEFAULTS.scoreDays),
  /** Send alerts for the anomalies found. */
  notify: z.boolean({ error: 'expected true or false' }).default(true),
  /** Wait until the source has published the day for every account before loading it. */
  waitForData: z.boolean({ error: 'expected true or false' }).default(true),
  /** Seconds between the first readiness checks; the interval doubles up to `dataCheckMaxSeconds`. */
  dataCheckEverySeconds: seconds(1, 86_400).default(DEFAULTS.dataCheckEverySeconds),
  dataCheckMaxSeconds: seconds(1, 86_400).default(DEFAULTS.dataCheckMaxSeconds),
  /** Hours after the day ends after which the run stops waiting and proceeds with partial data. */
  dataDeadlineHours: z
    .number({ error: 'expected a number of hours' })
    .min(0, { error: 'must be at least 0' })
    .max(168, { error: 'must be at most 168' })
    .default(DEFAULTS.dataDeadlineHours),
  /** How far back days that no run covered, or that ran without all data, are re-scored (0: never). */
  catchUpDays: days(0, 30).default(DEFAULTS.catchUpDays),
  /** Attribute query cost to workloads and find each anomaly's cause (needs a source with query data). */
  attribution: z.boolean({ error: 'expected true or false' }).default(true),
  /** Hours the run waits for Snowflake's query views to cover the scored days before it alerts (0: alert at once). */
  causeWaitHours: hours(72).default(DEFAULTS.causeWaitHours),
  /** Hours a follow-up keeps waiting after the alerts went out, to edit the cause into them (0: never). */
  causeEditHours: hours(168).default(DEFAULTS.causeEditHours),
  /** Minutes between checks of how far the query views are published. */
  causeCheckEveryMinutes: z
    .number({ error: 'expected a number of minutes' })
    .min(0.05, { error: 'must be at least 0.05 (3 seconds)' })
    .max(1440, { error: 'must be at most 1440' })
    .default(DEFAULTS.causeCheckEveryMinutes),
});

export const ingestInput = z
  .strictObject({
    asOf: isoDate.optional(),
    source: sourceSpec.optional(),
    /** First day to load; default: the day after the last loaded day less `reloadDays`, or `historyDays` back. */
    from: isoDate.optional(),
    /** Last day to load; default `asOf`. */
    to: isoDate.optional(),
    historyDays: days(1, MAX_INGEST_DAYS).default(DEFAULTS.historyDays),
    reloadDays: days(0, 30).default(DEFAULTS.reloadDays),
  })
  .superRefine(checkWindow(MAX_INGEST_DAYS));

export const featuresInput = z
  .strictObject({
    asOf: isoDate.optional(),
    /** First day whose features are (re)computed; default: the first metered day. */
    from: isoDate.optional(),
    /** Last day; default `asOf`. */
    to: isoDate.optional(),
  })
  .superRefine(checkWindow());

export const trainInput = z.strictObject({
  asOf: isoDate.optional(),
  /** Last day of training data; default: the day before `asOf`. */
  trainedTo: isoDate.optional(),
  trainingDays: days(14, 730).default(DEFAULTS.trainingDays),
  /** Warehouses trained at once (bounded fan-out). */
  maxParallel: z
    .number({ error: 'expected a whole number of warehouses' })
    .int({ error: 'expected a whole number of warehouses' })
    .min(1, { error: 'must be at least 1' })
    .max(64, { error: 'must be at most 64' })
    .default(DEFAULTS.maxParallelTraining),
});

export const scoreInput = z
  .strictObject({
    asOf: isoDate.optional(),
    /** First day scored; default `to`. */
    from: isoDate.optional(),
    /** Last day scored; default `asOf`. */
    to: isoDate.optional(),
  })
  .superRefine(checkWindow());

export const notifyInput = z
  .strictObject({
    asOf: isoDate.optional(),
    /** Alert open anomalies dated from … to (default: `asOf` only) that have not been alerted yet. */
    from: isoDate.optional(),
    to: isoDate.optional(),
  })
  .superRefine(checkWindow());

export const attributeInput = z
  .strictObject({
    asOf: isoDate.optional(),
    source: sourceSpec.optional(),
    /** First day attributed; default `to`. */
    from: isoDate.optional(),
    /** Last day; default `asOf`. */
    to: isoDate.optional(),
    /** Hours to wait for the query views to cover every day before attributing what they cover (0: don't wait). */
    waitHours: hours(168).default(0),
    /** Minutes between checks of how far the query views are published. */
    checkEveryMinutes: z
      .number({ error: 'expected a number of minutes' })
      .min(0.05, { error: 'must be at least 0.05 (3 seconds)' })
      .max(1440, { error: 'must be at most 1440' })
      .default(DEFAULTS.causeCheckEveryMinutes),
    /** Edit the causes found into alerts already posted. */
    editAlerts: z.boolean({ error: 'expected true or false' }).default(false),
  })
  .superRefine(checkWindow(MAX_INGEST_DAYS));

/** The longest snooze. */
export const MAX_SNOOZE_DAYS = 90;

/**
 * Mute a warehouse's alerts for a while. `warehouse` is required (`ACCOUNT.WAREHOUSE`, as in the alerts); the
 * snooze lasts `days` from the start, or until the explicit `until` (an ISO timestamp).
 */
export const snoozeInput = z.strictObject({
  warehouse: z
    .string({ error: 'expected the warehouse to snooze, e.g. "ACME_PROD.ETL_WH"' })
    .trim()
    .min(1, { error: 'must name a warehouse' }),
  days: z
    .number({ error: 'expected a number of days' })
    .positive({ error: 'must be more than 0' })
    .max(MAX_SNOOZE_DAYS, { error: `must be at most ${MAX_SNOOZE_DAYS}` })
    .default(1),
  until: z.iso
    .datetime({ offset: true, error: 'expected an ISO timestamp like "2026-11-22T09:00:00Z"' })
    .refine((until) => Date.parse(until) <= Date.now() + MAX_SNOOZE_DAYS * 86_400_000, {
      error: (issue) => `${JSON.stringify(issue.input)} is more than ${MAX_SNOOZE_DAYS} days from now`,
    })
    .optional(),
  /** Who snoozed it (a Slack user id, or a name). */
  author: z.string().trim().min(1).default('temporal'),
  /** The anomaly whose alert it was snoozed from. */
  anomalyId: z
    .number({ error: 'expected an anomaly id' })
    .int({ error: 'expected an anomaly id' })
    .positive({ error: 'must be more than 0' })
    .max(2_147_483_647, { error: 'must be at most 2147483647' })
    .optional(),
});

/** What a schedule passes to `scheduledPipeline`: the pipeline's settings; the day comes from the scheduled time. */
export const scheduledPipelineInput = pipelineInput.omit({ asOf: true });

export type PipelineInput = z.input<typeof pipelineInput>;
/** The pipeline's input with every default filled in. */
export type PipelineSettings = z.output<typeof pipelineInput>;
export type ScheduledPipelineInput = z.input<typeof scheduledPipelineInput>;
export type IngestInput = z.input<typeof ingestInput>;
export type FeaturesInput = z.input<typeof featuresInput>;
export type TrainInput = z.input<typeof trainInput>;
export type ScoreInput = z.input<typeof scoreInput>;
export type NotifyInput = z.input<typeof notifyInput>;
export type AttributeInput = z.input<typeof attributeInput>;
export type SnoozeInput = z.input<typeof snoozeInput>;
