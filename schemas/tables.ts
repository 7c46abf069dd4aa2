/**
 * Postgres tables (drizzle-orm). Migrations generated from this file are committed under schemas/migrations;
 * change the tables here, then `npm run db:generate`.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const credits = (name: string) => numeric(name, { precision: 38, scale: 9, mode: 'number' });

/** WAREHOUSE_METERING_HISTORY rows, one per account × warehouse × hour; re-loads upsert. */
export const meteringHourly = pgTable(
  'metering_hourly',
  {
    account: text('account').notNull(),
    warehouseId: bigint('warehouse_id', { mode: 'number' }).notNull(),
    warehouseName: text('warehouse_name').notNull(),
    startTime: timestamp('start_time', { withTimezone: true, mode: 'date' }).notNull(),
    endTime: timestamp('end_time', { withTimezone: true, mode: 'date' }).notNull(),
    creditsUsed: credits('credits_used').notNull(),
    creditsUsedCompute: credits('credits_used_compute').notNull(),
    creditsUsedCloudServices: credits('credits_used_cloud_services').notNull(),
    source: text('source').notNull(),
    loadedAt: timestamp('loaded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // Time first: loads arrive hour after hour, so the key is appended to instead of scattered over an index larger
  // than the buffer cache, and the key serves the range reads by start time as well (no second index).
  (t) => [primaryKey({ columns: [t.startTime, t.account, t.warehouseId] })],
);

/** Days fully loaded from a source (whether or not any warehouse ran); planning re-loads only what is missing. */
export const ingestedDays = pgTable(
  'ingested_days',
  {
    source: text('source').notNull(),
    usageDate: date('usage_date', { mode: 'string' }).notNull(),
    loadedAt: timestamp('loaded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.source, t.usageDate] })],
);

/** Daily totals per account × warehouse, refreshed for every ingested day. */
export const meteringDaily = pgTable(
  'metering_daily',
  {
    account: text('account').notNull(),
    warehouseName: text('warehouse_name').notNull(),
    /** `ACCOUNT.WAREHOUSE`: the key features, models and anomalies use. */
    warehouse: text('warehouse').notNull(),
    usageDate: date('usage_date', { mode: 'string' }).notNull(),
    creditsUsed: credits('credits_used').notNull(),
    creditsUsedCompute: credits('credits_used_compute').notNull(),
    creditsUsedCloudServices: credits('credits_used_cloud_services').notNull(),
    hoursMetered: integer('hours_metered').notNull(),
  },
  (t) => [primaryKey({ columns: [t.account, t.warehouseName, t.usageDate] }), index().on(t.warehouse, t.usageDate)],
);

/** Effective price of a compute credit per account and day (from USAGE_IN_CURRENCY_DAILY). */
export const creditPrices = pgTable(
  'credit_prices',
  {
    account: text('account').notNull(),
    usageDate: date('usage_date', { mode: 'string' }).notNull(),
    currency: text('currency').notNull(),
    pricePerCredit: doublePrecision('price_per_credit').notNull(),
    source: text('source').notNull(),
  },
  (t) => [primaryKey({ columns: [t.account, t.usageDate] })],
);

/** Point-in-time features: the row for day d is computed only from days ≤ d. */
export const featuresDaily = pgTable(
  'features_daily',
  {
    warehouse: text('warehouse').notNull(),
    usageDate: date('usage_date', { mode: 'string' }).notNull(),
    credits: doublePrecision('credits').notNull(),
    trend: doublePrecision('trend').notNull(),
    seasonal: doublePrecision('seasonal').notNull(),
    residual: doublePrecision('residual').notNull(),
    sma30: doublePrecision('sma30').notNull(),
    std30: doublePrecision('std30').notNull(),
    /** Typical deviation on this weekday (credits); 1 on rows of feature versions that predate it. */
    scale: doublePrecision('scale').notNull().default(1),
    featureVersion: text('feature_version').notNull(),
  },
  (t) => [primaryKey({ columns: [t.warehouse, t.usageDate] })],
);

/** Immutable, versioned model artifacts; aliases point at them. */
export const modelVersions = pgTable(
  'model_versions',
  {
    id: serial('id').primaryKey(),
    warehouse: text('warehouse').notNull(),
    version: integer('version').notNull(),
    algorithm: text('algorithm').notNull(),
    params: jsonb('params').notNull(),
    seed: integer('seed').notNull(),
    trainedFrom: date('trained_from', { mode: 'string' }).notNull(),
    trainedTo: date('trained_to', { mode: 'string' }).notNull(),
    featureVersion: text('feature_version').notNull(),
    dataFingerprint: text('data_fingerprint').notNull(),
    artifact: text('artifact').notNull(),
    artifactSha256: text('artifact_sha256').notNull(),
    threshold: doublePrecision('threshold').notNull(),
    metrics: jsonb('metrics').notNull(),
    /** The promotion gate's comparison with the champion (null when the version was not gated). */
    promotion: jsonb('promotion'),
    workflowId: text('workflow_id'),
    runId: text('run_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex().on(t.warehouse, t.version),
    uniqueIndex().on(t.warehouse, t.dataFingerprint),
    index().on(t.warehouse, t.trainedTo),
  ],
);

/** Named pointers (`latest`, `champion`) to model versions; promote and roll back move them. */
export const modelAliases = pgTable(
  'model_aliases',
  {
    warehouse: text('warehouse').notNull(),
    alias: text('alias').notNull(),
    modelVersionId: integer('model_version_id')
      .notNull()
      .references(() => modelVersions.id),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.warehouse, t.alias] })],
);

/** Every alias move, so `models rollback` can go back to the previous champion and the history is auditable. */
export const modelAliasEvents = pgTable(
  'model_alias_events',
  {
    id: serial('id').primaryKey(),
    warehouse: text('warehouse').notNull(),
    alias: text('alias').notNull(),
    fromModelVersionId: integer('from_model_version_id').references(() => modelVersions.id),
    toModelVersionId: integer('to_model_version_id')
      .notNull()
      .references(() => modelVersions.id),
    /** `gate`, `training`, `promote`, `rollback`. */
    reason: text('reason').notNull(),
    actor: text('actor').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.warehouse, t.alias, t.id)],
);

/** One row per anomalous warehouse-day, whatever the number of runs that found it. */
export const anomalies = pgTable(
  'anomalies',
  {
    id: serial('id').primaryKey(),
    warehouse: text('warehouse').notNull(),
    usageDate: date('usage_date', { mode: 'string' }).notNull(),
    modelVersionId: integer('model_version_id')
      .notNull()
      .references(() => modelVersions.id),
    score: doublePrecision('score').notNull(),
    threshold: doublePrecision('threshold').notNull(),
    actual: doublePrecision('actual').notNull(),
    expected: doublePrecision('expected').notNull(),
    excessCredits: doublePrecision('excess_credits').notNull(),
    excessCost: doublePrecision('excess_cost'),
    currency: text('currency'),
    direction: text('direction', { enum: ['spike', 'drop'] }).notNull(),
    severity: text('severity', { enum: ['low', 'medium', 'high'] }).notNull(),
    status: text('status', { enum: ['open', 'acked', 'snoozed', 'false_positive', 'resolved'] })
      .notNull()
      .default('open'),
    workflowId: text('workflow_id'),
    detectedAt: timestamp('detected_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /** Root cause (schemas/attribution.ts `AnomalyCauses`); null until the day's queries have been attributed. */
    causes: jsonb('causes'),
  },
  (t) => [uniqueIndex().on(t.warehouse, t.usageDate), index().on(t.usageDate)],
);

/** One row per alert; the unique idempotency key is what makes an alert happen once. */
export const notifications = pgTable(
  'notifications',
  {
    id: serial('id').primaryKey(),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    anomalyId: integer('anomaly_id')
      .notNull()
      .references(() => anomalies.id),
    channel: text('channel').notNull(),
    messageRef: text('message_ref'),
    status: text('status', { enum: ['pending', 'sent', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    /** What the alert said (actual, expected, excess, severity, status); a restated day is compared with it. */
    alerted: jsonb('alerted'),
    /** The Temporal Web UI page of the run that sent it (kept so a later edit of the message still links it). */
    runUrl: text('run_url'),
    /** Where the chart went (Slack file id, or outbox PNG path); null until it is attached. */
    chartRef: text('chart_ref'),
  },
  (t) => [index().on(t.anomalyId), index().on(t.messageRef)],
);

/**
 * A warehouse whose alerts are muted until `until`. The `snoozeWarehouse` workflow's durable timer deletes the
 * row when the snooze ends; a newer snooze of the same warehouse replaces the row (and the workflow).
 */
export const snoozes = pgTable('snoozes', {
  warehouse: text('warehouse').primaryKey(),
  until: timestamp('until', { withTimezone: true }).notNull(),
  author: text('author').notNull(),
  /** The anomaly whose alert the snooze was set from, if any. */
  anomalyId: integer('anomaly_id').references(() => anomalies.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Who said what about which anomaly; false positives leave the next training set. */
export const feedback = pgTable('feedback', {
  id: serial('id').primaryKey(),
  anomalyId: integer('anomaly_id')
    .notNull()
    .references(() => anomalies.id),
  author: text('author').notNull(),
  verdict: text('verdict', { enum: ['confirmed', 'false_positive', 'expected_change'] }).notNull(),
  comment: text('comment'),
  createdAt: timestamp('created_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
});

/**
 * One row per as-of day the pipeline has run for: `running`, then `complete`, or `partial` when it went ahead
 * without some accounts' data (the deadline passed). Later runs re-score partial days and days no run covered.
 */
export const pipelineDays = pgTable('pipeline_days', {
  asOf: date('as_of', { mode: 'string' }).primaryKey(),
  status: text('status', { enum: ['running', 'complete', 'partial'] }).notNull(),
  /** Accounts whose data was missing when a partial run went ahead. */
  missing: jsonb('missing').notNull().default([]),
  workflowId: text('workflow_id'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Each warehouse-hour's compute credits (metering's CREDITS_USED_COMPUTE) split between the queries that ran in it
 * and the idle remainder: attributed + idle = metered, exactly (NUMBER(38,9)). Re-attributing a day replaces its rows.
 */
export const attributionHourly = pgTable(
  'attribution_hourly',
  {
    startTime: timestamp('start_time', { withTimezone: true, mode: 'date' }).notNull(),
    account: text('account').notNull(),
    warehouseId: bigint('warehouse_id', { mode: 'number' }).notNull(),
    /** `ACCOUNT.WAREHOUSE`, as in anomalies and features. */
    warehouse: text('warehouse').notNull(),
    meteredCredits: credits('metered_credits').notNull(),
    attributedCredits: credits('attributed_credits').notNull(),
    idleCredits: credits('idle_credits').notNull(),
    queries: integer('queries').notNull(),
    method: text('method', { enum: ['reported', 'execution-time'] }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.startTime, t.account, t.warehouseId] }), index().on(t.warehouse, t.startTime)],
);

/**
 * Attributed compute credits per day, warehouse and dimension value (schemas/attribution.ts `COST_DIMENSIONS`).
 * Per warehouse-day, the values of `query_tag` (or `user`, `role`, `query_hash`) plus the day's idle credits add up
 * to its metered compute credits.
 */
export const costDaily = pgTable(
  'cost_daily',
  {
    usageDate: date('usage_date', { mode: 'string' }).notNull(),
    warehouse: text('warehouse').notNull(),
    dimension: text('dimension').notNull(),
    value: text('value').notNull(),
    credits: credits('credits').notNull(),
    queries: integer('queries').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.usageDate, t.warehouse, t.dimension, t.value] }),
    index().on(t.dimension, t.usageDate),
  ],
);

/** Days whose queries have been attributed, with the totals that reconcile them against metering. */
export const attributedDays = pgTable('attributed_days', {
  usageDate: date('usage_date', { mode: 'string' }).primaryKey(),
  method: text('method', { enum: ['reported', 'execution-time'] }).notNull(),
  queries: integer('queries').notNull(),
  meteredCredits: credits('metered_credits').notNull(),
  attributedCredits: credits('attributed_credits').notNull(),
  idleCredits: credits('idle_credits').notNull(),
  /** False when the query views did not yet cover the whole day (the wait for them ran out); re-attributed later. */
  complete: boolean('complete').notNull(),
  attributedAt: timestamp('attributed_at', { withTimezone: true }).notNull().defaultNow(),
});
