/**
 * "Nothing lost, nothing duplicated", as checks a sceptical reader can follow: the loaded metering is the
 * source's row for row, the model registry is sound, and every anomaly was alerted exactly once. Each check
 * returns the numbers it compared and a list of problems in plain words (empty when sound), so a test can both
 * assert and report.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import type { WorkflowHandle } from '@temporalio/client';
import type { Db } from '../../activities/store/database';
import { alertKey } from '../../activities/store/notification-store';
import { slackRef } from '../../activities/slack/transport';
import { addDays } from '../../schemas/dates';
import { anomalies, notifications } from '../../schemas/tables';
import type { SnowflakeEmulator } from '../emulator';
import type { SlackFake } from '../slack-fake';

// ---------------------------------------------------------------------------------------------------------------
// Metering: stored vs source

/** Hourly metering of a window: row count, credit sum, and a digest of every row's key and values. */
export interface MeteringTotals {
  rows: number;
  /** sum(credits_used), exact decimal text. */
  credits: string;
  /** md5 over every row (account, warehouse id and name, start and end, the three credit columns), in key order. */
  digest: string;
}

/**
 * Totals over a relation with metering_hourly's column names, written so that Postgres and the emulator's PGlite
 * render every row identically (epoch seconds, numeric(38,9), byte order): equal digests mean equal rows.
 */
const TOTALS = `count(*)::int as rows, coalesce(sum(credits_used), 0)::numeric(38,9)::text as credits,
  md5(coalesce(string_agg(
    account || '|' || warehouse_id::text || '|' || warehouse_name || '|' ||
    extract(epoch from start_time)::bigint::text || '|' || extract(epoch from end_time)::bigint::text || '|' ||
    credits_used::numeric(38,9)::text || '|' || credits_used_compute::numeric(38,9)::text || '|' ||
    credits_used_cloud_services::numeric(38,9)::text,
    E'\\n' order by account collate "C", warehouse_id, start_time), '')) as digest`;

/** What `metering_hourly` holds for hours starting on the UTC days from … to. */
export async function storedMetering(db: Db, from: string, to: string): Promise<MeteringTotals> {
  const [totals] = await query<MeteringTotals>(
    db,
    sql`select ${sql.raw(TOTALS)} from metering_hourly
         where start_time >= ${`${from}T00:00:00Z`}::timestamptz and start_time < ${`${addDays(to, 1)}T00:00:00Z`}::timestamptz`,
  );
  return { rows: Number(totals.rows), credits: totals.credits, digest: totals.digest };
}

/**
 * What the Snowflake emulator's ORGANIZATION_USAGE.WAREHOUSE_METERING_HISTORY holds for the same days, as
 * snowpatrol reads it: real warehouses only (WAREHOUSE_ID > 0; pseudo-warehouses are skipped on purpose).
 */
export async function sourceMetering(emulator: SnowflakeEmulator, from: string, to: string): Promise<MeteringTotals> {
  const [totals] = await emulator.sql<MeteringTotals>(
    `select ${TOTALS} from (
       select account_name as account, warehouse_id, warehouse_name, start_time, end_time, credits_used,
              credits_used_compute, credits_used_cloud_services
         from organization_usage.warehouse_metering_history
        where warehouse_id > 0 and start_time >= $1::timestamptz and start_time < $2::timestamptz) as source`,
    [`${from}T00:00:00Z`, `${addDays(to, 1)}T00:00:00Z`],
  );
  return { rows: Number(totals.rows), credits: totals.credits, digest: totals.digest };
}

/** Rows of a raw query, whichever driver ran it (postgres.js: an array; PGlite: `{ rows }`). */
async function query<T>(db: Db, statement: SQL): Promise<T[]> {
  const result = (await db.execute(statement)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}

// ---------------------------------------------------------------------------------------------------------------
// Model registry

export interface ModelAudit {
  versions: number;
  warehouses: number;
  /** Problems found, in plain words; empty when the registry is sound. */
  problems: string[];
}

/**
 * The model registry is sound when:
 * - no duplicate: (warehouse, version) and (warehouse, data fingerprint) are unique, and each warehouse's
 *   versions are numbered 1…n;
 * - every artifact's sha256 is the recorded `artifact_sha256`;
 * - every alias is `latest` or `champion` and points at an existing version of its own warehouse, and every
 *   warehouse with versions has a `latest`;
 * - no orphan: every version carries its lineage (workflow id and run id) and was recorded by the training that
 *   made it — some alias moved to it (a version no alias ever pointed at was left behind by an attempt that
 *   died) — and every version the promotion gate promoted became champion at some point (the gate's verdict was
 *   carried out, not lost to a crash between recording the version and moving the alias).
 *
 * The "some alias moved to it" rule assumes days are trained oldest first, as a backfill does: a version trained
 * for an older day after a newer one legitimately never becomes `latest`.
 */
export async function auditModels(db: Db): Promise<ModelAudit> {
  const problems: string[] = [];
  const [counts] = await query<{ versions: number; warehouses: number }>(
    db,
    sql`select count(*)::int as versions, count(distinct warehouse)::int as warehouses from model_versions`,
  );
  const report = async (label: string, statement: SQL) => {
    for (const r of await query<{ what: string }>(db, statement)) problems.push(`${label}: ${r.what}`);
  };
  await report(
    'duplicate version number',
    sql`select warehouse || ' v' || version || ' ×' || count(*) as what
          from model_versions group by warehouse, version having count(*) > 1`,
  );
  await report(
    'duplicate data fingerprint',
    sql`select warehouse || ' ' || left(data_fingerprint, 12) || ' ×' || count(*) as what
          from model_versions group by warehouse, data_fingerprint having count(*) > 1`,
  );
  await report(
    'versions not numbered 1…n',
    sql`select warehouse || ': ' || count(*) || ' versions, min ' || min(version) || ', max ' || max(version) as what
          from model_versions group by warehouse having min(version) <> 1 or max(version) <> count(*)`,
  );
  await report(
    'artifact does not match its sha256',
    sql`select warehouse || ' v' || version as what from model_versions
         where encode(sha256(convert_to(artifact, 'UTF8')), 'hex') <> artifact_sha256`,
  );
  await report(
    'alias with no valid target',
    sql`select a.warehouse || ' ' || a.alias || ' → ' || a.model_version_id as what
          from model_aliases a left join model_versions v on v.id = a.model_version_id
         where v.id is null or v.warehouse <> a.warehouse or a.alias not in ('latest', 'champion')`,
  );
  await report(
    'warehouse without a latest alias',
    sql`select distinct v.warehouse as what from model_versions v
         where not exists (select 1 from model_aliases a where a.warehouse = v.warehouse and a.alias = 'latest')`,
  );
  await report(
    'version without lineage',
    sql`select warehouse || ' v' || version as what from model_versions where workflow_id is null or run_id is null`,
  );
  await report(
    'orphan version (no alias ever pointed at it)',
    sql`select v.warehouse || ' v' || v.version as what from model_versions v
         where not exists (select 1 from model_alias_events e where e.to_model_version_id = v.id)`,
  );
  await report(
    'promoted by the gate but never champion',
    sql`select v.warehouse || ' v' || v.version as what from model_versions v
         where (v.promotion ->> 'promoted')::boolean
           and not exists (select 1 from model_alias_events e
                            where e.to_model_version_id = v.id and e.alias = 'champion')`,
  );
  return { versions: counts.versions, warehouses: counts.warehouses, problems };
}

/** What identifies a trained model, to compare two registries (e.g. a crashed run's with an undisturbed one's). */
export async function modelFingerprints(db: Db): Promise<string[]> {
  const lines = await query<{ line: string }>(
    db,
    sql`select v.warehouse || ' v' || v.version || ' ' || v.trained_from || '…' || v.trained_to || ' ' ||
               left(v.data_fingerprint, 16) || ' ' || left(v.artifact_sha256, 16) || ' promoted=' ||
               coalesce(v.promotion ->> 'promoted', '-') ||
               coalesce(' ' || (select string_agg(a.alias, ',' order by a.alias) from model_aliases a
                                  where a.model_version_id = v.id), '') as line
          from model_versions v order by v.warehouse, v.version`,
  );
  return lines.map((r) => r.line);
}

// ---------------------------------------------------------------------------------------------------------------
// Alerts: exactly once

/** A message as delivered: its reference as the notifications ledger records it, and the alert keys it carries. */
export interface DeliveredMessage {
  ref: string;
  keys: string[];
}

/** Top-level messages the Slack fake holds (thread replies are chart uploads, not alerts). */
export function slackMessages(fake: SlackFake): DeliveredMessage[] {
  return fake
    .messages()
    .filter((m) => m.threadTs === undefined)
    .map((m) => ({ ref: slackRef(m.channel, m.ts), keys: keysOf(m.metadata?.event_payload) }));
}

/** Messages written to an outbox directory (one JSON file each; charts are PNGs beside them). */
export function outboxMessages(dir: string): DeliveredMessage[] {
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.json')) : [];
  return names.map((name) => {
    const file = path.join(dir, name);
    const message = JSON.parse(fs.readFileSync(file, 'utf8')) as { metadata?: { event_payload?: unknown } };
    return { ref: file, keys: keysOf(message.metadata?.event_payload) };
  });
}

function keysOf(payload: unknown): string[] {
  const keys = (payload as { keys?: unknown } | undefined)?.keys;
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
}

export interface AlertAudit {
  anomalies: number;
  /** Anomalies whose alert key is in exactly one delivered message. */
  alertedOnce: number;
  messages: number;
  /** Problems found, in plain words; empty when every anomaly was alerted exactly once. */
  problems: string[];
}

/**
 * Every anomaly was alerted exactly once: its key (`anomaly-alert:<warehouse>:<day>`) is carried by exactly one
 * delivered message, its one `notifications` row is `sent` and names that message, and no message carries a key
 * of no anomaly. Every anomaly counts (the scenarios that use this snooze nothing and mark nothing).
 */
export async function auditAlerts(db: Db, delivered: DeliveredMessage[]): Promise<AlertAudit> {
  const problems: string[] = [];
  const carriers = new Map<string, string[]>();
  for (const m of delivered) for (const key of m.keys) carriers.set(key, [...(carriers.get(key) ?? []), m.ref]);
  const found = await db
    .select({ anomaly: anomalies, notification: notifications })
    .from(anomalies)
    .leftJoin(notifications, sql`${notifications.anomalyId} = ${anomalies.id}`);
  const byAnomaly = new Map<number, { key: string; ledger: (typeof found)[number]['notification'][] }>();
  for (const { anomaly, notification } of found) {
    const entry = byAnomaly.get(anomaly.id) ?? { key: alertKey(anomaly), ledger: [] };
    if (notification) entry.ledger.push(notification);
    byAnomaly.set(anomaly.id, entry);
  }
  let alertedOnce = 0;
  const known = new Set<string>();
  for (const { key, ledger } of byAnomaly.values()) {
    known.add(key);
    const refs = carriers.get(key) ?? [];
    if (refs.length === 1) alertedOnce += 1;
    else problems.push(`${key}: in ${refs.length} messages`);
    if (ledger.length !== 1) problems.push(`${key}: ${ledger.length} notifications rows`);
    for (const n of ledger) {
      if (n?.status !== 'sent') problems.push(`${key}: notification is ${n?.status}`);
      if (n && refs.length === 1 && n.messageRef !== refs[0]) {
        problems.push(`${key}: ledger names ${n.messageRef}, the message carrying it is ${refs[0]}`);
      }
    }
  }
  for (const key of carriers.keys()) if (!known.has(key)) problems.push(`${key}: delivered, but no such anomaly`);
  return { anomalies: byAnomaly.size, alertedOnce, messages: delivered.length, problems };
}

// ---------------------------------------------------------------------------------------------------------------
// Retries

/**
 * How many attempts the last run of `activityType` in a workflow took (0 if it never started): the evidence that a
 * fault hit the activity mid-way and a retry finished it. The history records one started event per activity,
 * for its final attempt, carrying the attempt number; earlier attempts leave no event of their own.
 */
export async function activityAttempts(handle: WorkflowHandle, activityType: string): Promise<number> {
  const { events } = await handle.fetchHistory();
  const scheduled = new Set<number>();
  let attempts = 0;
  for (const e of events ?? []) {
    if (e.activityTaskScheduledEventAttributes?.activityType?.name === activityType) scheduled.add(Number(e.eventId));
    const started = e.activityTaskStartedEventAttributes;
    if (started && scheduled.has(Number(started.scheduledEventId))) attempts = Math.max(attempts, started.attempt ?? 1);
  }
  return attempts;
}
