/** `feedback`: what people said about an anomaly. False positives and expected changes leave the training set. */
import { and, eq, gte, lte } from 'drizzle-orm';
import { anomalies, feedback } from '../../schemas/tables';
import type { Db } from './database';

export type FeedbackVerdict = 'confirmed' | 'false_positive' | 'expected_change';
export const FEEDBACK_VERDICTS: readonly FeedbackVerdict[] = ['confirmed', 'false_positive', 'expected_change'];

/** The anomaly status a verdict leaves behind. */
const STATUS_AFTER: Record<FeedbackVerdict, 'acked' | 'false_positive'> = {
  confirmed: 'acked',
  false_positive: 'false_positive',
  expected_change: 'false_positive',
};

/**
 * Record a verdict on an anomaly and set its status in one transaction. Returns the feedback id, or undefined
 * when there is no such anomaly.
 */
export async function recordFeedback(
  db: Db,
  input: { anomalyId: number; verdict: FeedbackVerdict; author: string; comment?: string },
): Promise<number | undefined> {
  return db.transaction(async (tx) => {
    const updated = await tx
      .update(anomalies)
      .set({ status: STATUS_AFTER[input.verdict] })
      .where(eq(anomalies.id, input.anomalyId))
      .returning({ id: anomalies.id });
    if (updated.length === 0) return undefined;
    const [row] = await tx
      .insert(feedback)
      .values({
        anomalyId: input.anomalyId,
        verdict: input.verdict,
        author: input.author,
        comment: input.comment ?? null,
      })
      .returning({ id: feedback.id });
    return row.id;
  });
}

/**
 * Days of a warehouse from … to whose anomaly was last called a false positive or an expected change (the
 * status the latest verdict left), so a later "confirmed" puts the day back.
 */
export async function daysExcludedFromTraining(
  db: Db,
  warehouse: string,
  from: string,
  to: string,
): Promise<Set<string>> {
  const rows = await db
    .select({ day: anomalies.usageDate })
    .from(anomalies)
    .where(
      and(
        eq(anomalies.warehouse, warehouse),
        gte(anomalies.usageDate, from),
        lte(anomalies.usageDate, to),
        eq(anomalies.status, 'false_positive'),
      ),
    );
  return new Set(rows.map((r) => r.day));
}
