/**
 * `notifications`: the exactly-once ledger of alerts. An alert is claimed (pending) before it is delivered and
 * marked sent after; a claim whose delivery did not finish is picked up again by the next attempt.
 */
import { and, eq, gte, inArray, lte, ne, notExists, sql } from 'drizzle-orm';
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

/** Mark claimed alerts delivered, with where they went (outbox file, or later a Slack message ts). */
export async function markAlertsSent(db: Db, anomalyIds: number[], messageRef: string): Promise<void> {
  if (anomalyIds.length === 0) return;
  await db
    .update(notifications)
    .set({ status: 'sent', messageRef, sentAt: sql`now()` })
    .where(inArray(notifications.anomalyId, anomalyIds));
}

/** How many alerts have been sent, ever. */
export async function countSentAlerts(db: Db): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(notifications)
    .where(eq(notifications.status, 'sent'));
  return row.n;
}
