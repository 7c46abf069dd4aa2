/** `pipeline_days`: which as-of days the pipeline ran for and whether their data was complete. */
import { and, eq, gte, lt, max, sql } from 'drizzle-orm';
import { addDays, daysBetween, maxDay } from '../../schemas/dates';
import { pipelineDays } from '../../schemas/tables';
import type { Db } from './database';

/** Record that a run for `asOf` has started (a re-run of a finished day starts over). */
export async function markRunning(db: Db, asOf: string, workflowId: string): Promise<void> {
  await db
    .insert(pipelineDays)
    .values({ asOf, status: 'running', workflowId })
    .onConflictDoUpdate({ target: pipelineDays.asOf, set: { status: 'running', workflowId, updatedAt: sql`now()` } });
}

/** Record how the run for `asOf` ended. */
export async function markFinished(
  db: Db,
  asOf: string,
  status: 'complete' | 'partial',
  missing: readonly string[],
): Promise<void> {
  await db
    .update(pipelineDays)
    .set({ status, missing: [...missing], updatedAt: sql`now()` })
    .where(eq(pipelineDays.asOf, asOf));
}

/** Partial days from … to (inclusive) become complete: a later run re-scored them with their data in. */
export async function markRescored(db: Db, from: string, to: string): Promise<string[]> {
  const rows = await db
    .update(pipelineDays)
    .set({ status: 'complete', missing: [], updatedAt: sql`now()` })
    .where(and(eq(pipelineDays.status, 'partial'), gte(pipelineDays.asOf, from), sql`${pipelineDays.asOf} <= ${to}`))
    .returning({ asOf: pipelineDays.asOf });
  return rows.map((r) => r.asOf).sort();
}

export interface CatchUp {
  /** First day to re-score, when there is anything to catch up on. */
  from?: string;
  /** Days in the window that no run covered (a paused schedule, an outage). */
  missedDays: number;
  /** Days in the window whose run went ahead without some accounts' data. */
  partialDays: string[];
}

/**
 * What the run for `asOf` should catch up on within the `maxDays` before it: days after the last day any run
 * covered (nothing before the first ever run), and days that ran partial.
 */
export async function planCatchUp(db: Db, asOf: string, maxDays: number): Promise<CatchUp> {
  if (maxDays === 0) return { missedDays: 0, partialDays: [] };
  const windowFrom = addDays(asOf, -maxDays);
  const [{ last }] = await db
    .select({ last: max(pipelineDays.asOf) })
    .from(pipelineDays)
    .where(lt(pipelineDays.asOf, asOf));
  const missedFrom = last && addDays(last, 1) < asOf ? maxDay(addDays(last, 1), windowFrom) : undefined;
  const partial = await db
    .select({ asOf: pipelineDays.asOf })
    .from(pipelineDays)
    .where(and(eq(pipelineDays.status, 'partial'), gte(pipelineDays.asOf, windowFrom), lt(pipelineDays.asOf, asOf)));
  const partialDays = partial.map((p) => p.asOf).sort();
  const candidates = [missedFrom, partialDays[0]].filter((d): d is string => d !== undefined).sort();
  const missedDays = missedFrom ? daysBetween(missedFrom, asOf) : 0;
  return { from: candidates[0], missedDays, partialDays };
}
