/**
 * `snoozes`: warehouses whose alerts are muted until a time. The Bolt app (or the CLI) writes the row and starts
 * the `snoozeWarehouse` workflow, whose durable timer ends the snooze by deleting exactly that row.
 */
import { and, eq, gt, gte, inArray, lte, notExists, sql } from 'drizzle-orm';
import { anomalies, meteringDaily, modelVersions, notifications, snoozes } from '../../schemas/tables';
import type { Db } from './database';

export type Snooze = typeof snoozes.$inferSelect;

/** Mute a warehouse until `until` (replacing any snooze it had). */
export async function setSnooze(
  db: Db,
  input: { warehouse: string; until: Date; author: string; anomalyId?: number },
): Promise<void> {
  const values = {
    warehouse: input.warehouse,
    until: input.until,
    author: input.author,
    anomalyId: input.anomalyId ?? null,
  };
  await db
    .insert(snoozes)
    .values(values)
    .onConflictDoUpdate({ target: snoozes.warehouse, set: { ...values, createdAt: sql`now()` } });
}

/** End the snooze set until `until`; a newer snooze of the same warehouse is left alone. Returns whether it ended. */
export async function endSnooze(db: Db, warehouse: string, until: Date): Promise<boolean> {
  const ended = await db
    .delete(snoozes)
    .where(and(eq(snoozes.warehouse, warehouse), eq(snoozes.until, until)))
    .returning({ warehouse: snoozes.warehouse });
  return ended.length > 0;
}

/** Snoozes in force at `now`. */
export async function activeSnoozes(db: Db, now: Date = new Date()): Promise<Snooze[]> {
  return db.select().from(snoozes).where(gt(snoozes.until, now)).orderBy(snoozes.warehouse);
}

/**
 * Open, not yet alerted anomalies dated from … to on warehouses snoozed at `now` become `snoozed`: they are
 * never alerted, not even after the snooze ends. Returns the warehouse-days muted.
 */
export async function muteSnoozedAnomalies(
  db: Db,
  from: string,
  to: string,
  now: Date = new Date(),
): Promise<string[]> {
  const muted = await db
    .update(anomalies)
    .set({ status: 'snoozed', updatedAt: sql`now()` })
    .where(
      and(
        eq(anomalies.status, 'open'),
        gte(anomalies.usageDate, from),
        lte(anomalies.usageDate, to),
        inArray(anomalies.warehouse, db.select({ w: snoozes.warehouse }).from(snoozes).where(gt(snoozes.until, now))),
        notExists(
          db
            .select({ one: sql`1` })
            .from(notifications)
            .where(and(eq(notifications.anomalyId, anomalies.id), eq(notifications.status, 'sent'))),
        ),
      ),
    )
    .returning({ warehouse: anomalies.warehouse, day: anomalies.usageDate });
  return muted.map((m) => `${m.warehouse} ${m.day}`);
}

/**
 * Whether snowpatrol knows `warehouse` (it has metering, a model or an anomaly of it) — a snooze of any other name
 * mutes nothing — and, for the message when it does not, one name it knows.
 */
export async function lookUpWarehouse(
  db: Db,
  warehouse: string,
): Promise<{ known: boolean; example: string | undefined }> {
  for (const table of [meteringDaily, modelVersions, anomalies]) {
    const found = await db
      .select({ one: sql`1` })
      .from(table)
      .where(eq(table.warehouse, warehouse))
      .limit(1);
    if (found.length > 0) return { known: true, example: undefined };
  }
  const [example] = await db.select({ warehouse: meteringDaily.warehouse }).from(meteringDaily).limit(1);
  return { known: false, example: example?.warehouse };
}
