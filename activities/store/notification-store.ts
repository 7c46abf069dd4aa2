/**
 * `notifications`: the exactly-once ledger of alerts. An alert is claimed (pending) before it is delivered and
 * marked sent after; a claim whose delivery did not finish is picked up again by the next attempt.
 */
import { and, eq, gte, lte, ne, notExists, sql } from 'drizzle-orm';
import { anomalies, notifications } from '../../schemas/tables';
import type { Db } from './database';
import type { AnomalyRow } from './anomaly-store';

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

/** Claim alerts for these anomalies (insert pending, or count another attempt); sent ones are not claimed. */
export async function claimAlerts(db: Db, items: AnomalyRow[], channel: string): Promise<AnomalyRow[]> {
  if (items.length === 0) return [];
  const claimed = await db
    .insert(notifications)
    .values(items.map((a) => ({ idempotencyKey: alertKey(a), anomalyId: a.id, channel, attempts: 1 })))
    .onConflictDoUpdate({
      target: notifications.idempotencyKey,
      set: { attempts: sql`${notifications.attempts} + 1`, channel },
      setWhere: ne(notifications.status, 'sent'),
    })
    .returning({ anomalyId: notifications.anomalyId });
  const ids = new Set(claimed.map((c) => c.anomalyId));
  return items.filter((a) => ids.has(a.id));
}

/** What an alert tells about an anomaly, rounded as shown: a restatement that changes it updates the alert. */
export interface AlertedEvidence {
  actual: number;
  expected: number;
  excessCredits: number;
  severity: string;
  /** `resolved` once re-scoring found the day ordinary after all; otherwise `open`. */
  state: 'open' | 'resolved';
}

const tenth = (x: number) => Math.round(x * 10) / 10;

export function alertedEvidence(a: AnomalyRow): AlertedEvidence {
  return {
    actual: tenth(a.actual),
    expected: tenth(a.expected),
    excessCredits: tenth(a.excessCredits),
    severity: a.severity,
    state: a.status === 'resolved' ? 'resolved' : 'open',
  };
}

// Field by field: jsonb does not keep key order.
const sameEvidence = (a: AlertedEvidence, b: AlertedEvidence) =>
  a.actual === b.actual &&
  a.expected === b.expected &&
  a.excessCredits === b.excessCredits &&
  a.severity === b.severity &&
  a.state === b.state;

/** Mark claimed alerts delivered, with where they went (outbox file, or later a Slack message ts) and what they said. */
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

/** Record that the alerts of these anomalies now say what the anomalies say. */
export async function markAlertsUpdated(db: Db, items: AnomalyRow[]): Promise<void> {
  for (const a of items) {
    await db
      .update(notifications)
      .set({ alerted: alertedEvidence(a) })
      .where(eq(notifications.anomalyId, a.id));
  }
}

/** How many alerts have been sent, ever. */
export async function countSentAlerts(db: Db): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(notifications)
    .where(eq(notifications.status, 'sent'));
  return row.n;
}
