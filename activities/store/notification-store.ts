/**
 * `notifications`: the exactly-once ledger of alerts. An alert is claimed (pending) before it is delivered and
 * marked sent, with the message's reference, after; a claim whose delivery did not finish is picked up again by
 * the next attempt, which first looks for the message it may have posted (reconciliation).
 */
import { and, desc, eq, gte, inArray, isNull, lte, ne, notExists, sql } from 'drizzle-orm';
import type { AlertAnomaly } from '../slack/block-kit';
import { anomalies, feedback, notifications, snoozes } from '../../schemas/tables';
import type { Db } from './database';
import { anomalyCauses, type AnomalyRow } from './anomaly-store';
import { causePendingDays } from './cost-query-store';

/** The idempotency key of the alert for one anomalous warehouse-day. */
export function alertKey(anomaly: Pick<AnomalyRow, 'warehouse' | 'usageDate'>): string {
  return `anomaly-alert:${anomaly.warehouse}:${anomaly.usageDate}`;
}

/** Open anomalies dated from … to that have no sent alert yet. */
export async function unalertedAnomalies(db: Db, from: string, to: string): Promise<AnomalyRow[]> {
  return db
    .select()
    .from(anomalies)
    .where(
      and(
        gte(anomalies.usageDate, from),
        lte(anomalies.usageDate, to),
        eq(anomalies.status, 'open'),
        notExists(
          db
            .select({ one: sql`1` })
            .from(notifications)
            .where(and(eq(notifications.anomalyId, anomalies.id), eq(notifications.status, 'sent'))),
        ),
      ),
    )
    .orderBy(anomalies.usageDate, anomalies.warehouse);
}

/** A claimed alert: the anomaly, and whether an earlier attempt may already have posted it. */
export interface ClaimedAlert {
  anomaly: AnomalyRow;
  /** Attempts including this one; above 1, an earlier attempt may have posted before it could record. */
  attempts: number;
  /** When the alert was first claimed: a message an earlier attempt posted is newer than this. */
  claimedAt: Date;
}

/**
 * Claim alerts for these anomalies (insert pending, or count another attempt); sent ones are not claimed.
 * The run's Web UI link is kept so later edits of the message still link the run that found it.
 */
export async function claimAlerts(
  db: Db,
  items: AnomalyRow[],
  channel: string,
  runUrl: string,
): Promise<ClaimedAlert[]> {
  if (items.length === 0) return [];
  const claimed = await db
    .insert(notifications)
    .values(items.map((a) => ({ idempotencyKey: alertKey(a), anomalyId: a.id, channel, runUrl, attempts: 1 })))
    .onConflictDoUpdate({
      target: notifications.idempotencyKey,
      set: { attempts: sql`${notifications.attempts} + 1`, channel, runUrl },
      setWhere: ne(notifications.status, 'sent'),
    })
    .returning({
      anomalyId: notifications.anomalyId,
      attempts: notifications.attempts,
      createdAt: notifications.createdAt,
    });
  const byId = new Map(claimed.map((c) => [c.anomalyId, c]));
  return items.flatMap((a) => {
    const c = byId.get(a.id);
    return c ? [{ anomaly: a, attempts: c.attempts, claimedAt: c.createdAt }] : [];
  });
}

/** What an alert tells about an anomaly, rounded as shown: a restatement that changes it updates the alert. */
export interface AlertedEvidence {
  actual: number;
  expected: number;
  excessCredits: number;
  severity: string;
  /** `resolved` once re-scoring found the day ordinary after all; otherwise `open`. */
  state: 'open' | 'resolved';
  /** What the alert first said, once a restatement has changed it. */
  original?: Omit<AlertedEvidence, 'original'>;
  /** When the cause the alert shows was worked out (`AnomalyCauses.explainedAt`); null while it shows none. */
  causesExplainedAt?: string | null;
}

const tenth = (x: number) => Math.round(x * 10) / 10;

export function alertedEvidence(a: AnomalyRow): AlertedEvidence {
  return {
    actual: tenth(a.actual),
    expected: tenth(a.expected),
    excessCredits: tenth(a.excessCredits),
    severity: a.severity,
    state: a.status === 'resolved' ? 'resolved' : 'open',
    causesExplainedAt: causesStamp(a),
  };
}

const causesStamp = (a: Pick<AnomalyRow, 'causes'>) => anomalyCauses(a)?.explainedAt ?? null;

// Field by field: jsonb does not keep key order.
const sameEvidence = (a: AlertedEvidence, b: AlertedEvidence) =>
  a.actual === b.actual &&
  a.expected === b.expected &&
  a.excessCredits === b.excessCredits &&
  a.severity === b.severity &&
  a.state === b.state;

/** Mark claimed alerts delivered, with where they went (outbox file or Slack message) and what they said. */
export async function markAlertsSent(db: Db, items: AnomalyRow[], messageRef: string): Promise<void> {
  for (const a of items) {
    await db
      .update(notifications)
      .set({ status: 'sent', messageRef, sentAt: sql`now()`, alerted: alertedEvidence(a) })
      .where(eq(notifications.anomalyId, a.id));
  }
}

/**
 * Anomalies dated from … to whose alert was sent but no longer says what the anomaly says now: Snowflake
 * restated the day (late or corrected metering) and re-scoring changed the numbers, or found the day ordinary.
 */
export async function restatedAlerts(
  db: Db,
  from: string,
  to: string,
): Promise<{ anomaly: AnomalyRow; before: AlertedEvidence; messageRef: string | null }[]> {
  const rows = await db
    .select({ anomaly: anomalies, alerted: notifications.alerted, messageRef: notifications.messageRef })
    .from(notifications)
    .innerJoin(anomalies, eq(anomalies.id, notifications.anomalyId))
    .where(and(eq(notifications.status, 'sent'), gte(anomalies.usageDate, from), lte(anomalies.usageDate, to)))
    .orderBy(anomalies.usageDate, anomalies.warehouse);
  return rows.flatMap((r) => {
    const before = r.alerted as AlertedEvidence | null;
    if (!before || sameEvidence(before, alertedEvidence(r.anomaly))) return [];
    return [{ anomaly: r.anomaly, before, messageRef: r.messageRef }];
  });
}

/** Record that the alerts of these anomalies now say what the anomalies say (keeping what they first said). */
export async function markAlertsUpdated(
  db: Db,
  items: readonly { anomaly: AnomalyRow; before: AlertedEvidence }[],
): Promise<void> {
  for (const { anomaly, before } of items) {
    const { original, causesExplainedAt: _shown, ...first } = before;
    await db
      .update(notifications)
      .set({ alerted: { ...alertedEvidence(anomaly), original: original ?? first } })
      .where(eq(notifications.anomalyId, anomaly.id));
  }
}

/** Sent alerts dated from … to whose chart is not attached yet: anomaly and message. */
export async function alertsWithoutChart(
  db: Db,
  from: string,
  to: string,
): Promise<{ anomaly: AnomalyRow; messageRef: string }[]> {
  const rows = await db
    .select({ anomaly: anomalies, messageRef: notifications.messageRef })
    .from(notifications)
    .innerJoin(anomalies, eq(anomalies.id, notifications.anomalyId))
    .where(
      and(
        eq(notifications.status, 'sent'),
        isNull(notifications.chartRef),
        gte(anomalies.usageDate, from),
        lte(anomalies.usageDate, to),
      ),
    )
    .orderBy(anomalies.usageDate, anomalies.warehouse);
  return rows.flatMap((r) => (r.messageRef ? [{ anomaly: r.anomaly, messageRef: r.messageRef }] : []));
}

/** Record where the charts of these anomalies' alerts went. */
export async function markChartsAttached(db: Db, anomalyIds: number[], chartRef: string): Promise<void> {
  if (anomalyIds.length === 0) return;
  await db.update(notifications).set({ chartRef }).where(inArray(notifications.anomalyId, anomalyIds));
}

/** The message an anomaly was alerted in, if it was. */
export async function alertOf(db: Db, anomalyId: number): Promise<{ messageRef: string; channel: string } | undefined> {
  const [row] = await db
    .select({ messageRef: notifications.messageRef, channel: notifications.channel })
    .from(notifications)
    .where(and(eq(notifications.anomalyId, anomalyId), eq(notifications.status, 'sent')));
  return row?.messageRef ? { messageRef: row.messageRef, channel: row.channel } : undefined;
}

/**
 * Everything one posted message shows, as it stands now: its anomalies with their status, latest verdict,
 * snooze and restatement, the idempotency keys it carries and the run it links. Re-rendering from this is how
 * the message is edited in place (a restatement, a button click).
 */
export async function messageContent(
  db: Db,
  messageRef: string,
): Promise<{ items: AlertAnomaly[]; keys: string[]; runUrl: string } | undefined> {
  const rows = await db
    .select({
      anomaly: anomalies,
      key: notifications.idempotencyKey,
      alerted: notifications.alerted,
      runUrl: notifications.runUrl,
    })
    .from(notifications)
    .innerJoin(anomalies, eq(anomalies.id, notifications.anomalyId))
    .where(eq(notifications.messageRef, messageRef))
    .orderBy(anomalies.usageDate, anomalies.warehouse);
  if (rows.length === 0) return undefined;
  const ids = rows.map((r) => r.anomaly.id);
  const verdicts = await db
    .select()
    .from(feedback)
    .where(inArray(feedback.anomalyId, ids))
    .orderBy(desc(feedback.createdAt), desc(feedback.id));
  const latest = new Map<number, (typeof verdicts)[number]>();
  for (const v of verdicts) if (!latest.has(v.anomalyId)) latest.set(v.anomalyId, v);
  const warehouses = [...new Set(rows.map((r) => r.anomaly.warehouse))];
  const snoozed = await db.select().from(snoozes).where(inArray(snoozes.warehouse, warehouses));
  const snoozeOf = new Map(snoozed.map((s) => [s.warehouse, s]));
  const explained = await alertAnomalies(
    db,
    rows.map((r) => r.anomaly),
  );
  const items = rows.map(({ anomaly: a, alerted }, i): AlertAnomaly => {
    const v = latest.get(a.id);
    const s = snoozeOf.get(a.warehouse);
    const original = (alerted as AlertedEvidence | null)?.original;
    return {
      ...explained[i],
      ...(v ? { feedback: { verdict: v.verdict, author: v.author, at: v.createdAt.toISOString() } } : {}),
      ...(s && s.until > new Date() ? { snooze: { until: s.until.toISOString(), author: s.author } } : {}),
      ...(original ? { was: original } : {}),
    };
  });
  return { items, keys: rows.map((r) => r.key), runUrl: rows.find((r) => r.runUrl)?.runUrl ?? '' };
}

/** How many alerts have been sent, ever. */
export async function countSentAlerts(db: Db): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(notifications)
    .where(eq(notifications.status, 'sent'));
  return row.n;
}

/** Messages that alerted anomalies of `warehouse` still open: what a snooze of the warehouse must re-render. */
export async function openAlertMessagesOf(db: Db, warehouse: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ messageRef: notifications.messageRef })
    .from(notifications)
    .innerJoin(anomalies, eq(anomalies.id, notifications.anomalyId))
    .where(and(eq(anomalies.warehouse, warehouse), eq(anomalies.status, 'open'), eq(notifications.status, 'sent')));
  return rows.flatMap((r) => (r.messageRef ? [r.messageRef] : []));
}

/**
 * Anomaly rows as an alert shows them: with their root cause, or whether one is still to come (the source provides
 * query history, and the day is not attributed yet).
 */
export async function alertAnomalies(db: Db, rows: readonly AnomalyRow[]): Promise<AlertAnomaly[]> {
  const pending = await causePendingDays(
    db,
    rows.filter((a) => a.causes === null).map((a) => a.usageDate),
  );
  return rows.map((a) => {
    const causes = anomalyCauses(a);
    return { ...a, causes, ...(causes === null && pending.has(a.usageDate) ? { causePending: true } : {}) };
  });
}

/**
 * Posted messages that alert any of `anomalyIds` and show another cause than the anomaly has now (none, or an
 * older explanation): what must be re-rendered once causes are found.
 */
export async function messagesWithStaleCauses(db: Db, anomalyIds: readonly number[]): Promise<string[]> {
  if (anomalyIds.length === 0) return [];
  const rows = await db
    .select({ messageRef: notifications.messageRef, alerted: notifications.alerted, causes: anomalies.causes })
    .from(notifications)
    .innerJoin(anomalies, eq(anomalies.id, notifications.anomalyId))
    .where(and(inArray(notifications.anomalyId, [...anomalyIds]), eq(notifications.status, 'sent')))
    .orderBy(notifications.id);
  const stale = rows.filter(
    (r) => ((r.alerted as AlertedEvidence | null)?.causesExplainedAt ?? null) !== causesStamp(r),
  );
  return [...new Set(stale.flatMap((r) => (r.messageRef ? [r.messageRef] : [])))];
}

/** Record which cause each alert of a re-rendered message now shows (anomaly id → `explainedAt`, or null). */
export async function recordCausesShown(db: Db, shown: ReadonlyMap<number, string | null>): Promise<void> {
  for (const [anomalyId, explainedAt] of shown) {
    await db
      .update(notifications)
      .set({
        alerted: sql`coalesce(${notifications.alerted}, '{}'::jsonb) || jsonb_build_object('causesExplainedAt', ${explainedAt}::text)`,
      })
      .where(and(eq(notifications.anomalyId, anomalyId), eq(notifications.status, 'sent')));
  }
}

/** An anomaly's alert, whatever became of it: where it went, whether it was sent, and when. */
export async function notificationOf(db: Db, anomalyId: number) {
  const [row] = await db
    .select({
      channel: notifications.channel,
      status: notifications.status,
      messageRef: notifications.messageRef,
      attempts: notifications.attempts,
      sentAt: notifications.sentAt,
      chartRef: notifications.chartRef,
    })
    .from(notifications)
    .where(eq(notifications.anomalyId, anomalyId));
  return row;
}
