/** `anomalies`: one row per anomalous warehouse-day, updated (never duplicated) when a day is re-scored. */
import { and, asc, desc, eq, gte, inArray, lte, sql } from 'drizzle-orm';
import type { AnomalyCauses } from '../../schemas/attribution';
import { anomalies, feedback } from '../../schemas/tables';
import type { Db } from './database';

export type AnomalyRow = typeof anomalies.$inferSelect;
export type AnomalyFinding = Omit<typeof anomalies.$inferInsert, 'id' | 'status' | 'detectedAt' | 'updatedAt'>;

/** Record a finding; re-finding the same day updates the evidence and keeps its status. Returns the row id. */
export async function upsertAnomaly(db: Db, finding: AnomalyFinding): Promise<number> {
  const [row] = await db
    .insert(anomalies)
    .values(finding)
    .onConflictDoUpdate({
      target: [anomalies.warehouse, anomalies.usageDate],
      set: {
        modelVersionId: sql`excluded.model_version_id`,
        score: sql`excluded.score`,
        threshold: sql`excluded.threshold`,
        actual: sql`excluded.actual`,
        expected: sql`excluded.expected`,
        excessCredits: sql`excluded.excess_credits`,
        excessCost: sql`excluded.excess_cost`,
        currency: sql`excluded.currency`,
        direction: sql`excluded.direction`,
        severity: sql`excluded.severity`,
        status: sql`case when ${anomalies.status} = 'resolved' then 'open' else ${anomalies.status} end`,
        updatedAt: sql`now()`,
      },
    })
    .returning({ id: anomalies.id });
  return row.id;
}

/** Days that are no longer anomalous after re-scoring (restated data) are marked resolved if still open. */
export async function resolveIfOpen(db: Db, warehouse: string, days: string | readonly string[]): Promise<void> {
  const dates = typeof days === 'string' ? [days] : days;
  if (dates.length === 0) return;
  await db
    .update(anomalies)
    .set({ status: 'resolved', updatedAt: sql`now()` })
    .where(
      and(eq(anomalies.warehouse, warehouse), inArray(anomalies.usageDate, [...dates]), eq(anomalies.status, 'open')),
    );
}

/** Anomalies dated from … to, by date then warehouse. */
export async function listAnomalies(db: Db, from: string, to: string): Promise<AnomalyRow[]> {
  return db
    .select()
    .from(anomalies)
    .where(and(gte(anomalies.usageDate, from), lte(anomalies.usageDate, to)))
    .orderBy(asc(anomalies.usageDate), asc(anomalies.warehouse));
}

export async function anomaliesByIds(db: Db, ids: number[]): Promise<AnomalyRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(anomalies).where(inArray(anomalies.id, ids)).orderBy(asc(anomalies.usageDate));
}

/** One anomaly by id, if there is one. */
export async function anomalyById(db: Db, id: number): Promise<AnomalyRow | undefined> {
  const [row] = await db.select().from(anomalies).where(eq(anomalies.id, id));
  return row;
}

/**
 * An anomaly's root cause as stored (`anomalies.causes`), or null while it has none. A dimension missing from the
 * stored JSON reads as no contributors, so an older shape still renders.
 */
export function anomalyCauses(row: Pick<AnomalyRow, 'causes'>): AnomalyCauses | null {
  const c = row.causes as Partial<AnomalyCauses> | null;
  if (!c || typeof c !== 'object' || !c.byDimension) return null;
  return {
    method: c.method ?? 'reported',
    explainedAt: c.explainedAt ?? '',
    referenceDays: c.referenceDays ?? [],
    byDimension: {
      query_tag: c.byDimension.query_tag ?? [],
      user: c.byDimension.user ?? [],
      query_hash: c.byDimension.query_hash ?? [],
    },
    idle: c.idle ?? { credits: 0, usualCredits: 0 },
  };
}

/** Everything people said about an anomaly, newest first. */
export async function feedbackOf(db: Db, anomalyId: number): Promise<(typeof feedback.$inferSelect)[]> {
  return db
    .select()
    .from(feedback)
    .where(eq(feedback.anomalyId, anomalyId))
    .orderBy(desc(feedback.createdAt), desc(feedback.id));
}
