/**
 * Reads of cost attribution (`cost_daily`, `attribution_hourly`, `attributed_days`): cost per dimension value and
 * day, the idle remainder and metered total that reconcile it, and how far attribution has got for a day.
 */
import { and, asc, eq, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import type { CostDimension } from '../../schemas/attribution';
import { addDays } from '../../schemas/dates';
import { attributedDays, attributionHourly, costDaily } from '../../schemas/tables';
import type { Db } from './database';

/** A day and warehouse range of cost attribution; no warehouse means all of them. */
export interface CostRange {
  from: string;
  to: string;
  warehouse?: string;
}

/** Credits of one dimension value on one day (all warehouses of the range together). */
export interface DayValueCost {
  usageDate: string;
  value: string;
  credits: number;
  queries: number;
}

/** Per day: metered compute credits, the part attributed to queries, and the idle remainder. */
export interface DayAttribution {
  usageDate: string;
  meteredCredits: number;
  attributedCredits: number;
  idleCredits: number;
  queries: number;
}

/** `dimension` values' credits per day from … to, by day then value. */
export async function dailyCosts(db: Db, dimension: CostDimension, range: CostRange): Promise<DayValueCost[]> {
  return db
    .select({
      usageDate: costDaily.usageDate,
      value: costDaily.value,
      credits: sql<number>`sum(${costDaily.credits})::float8`.mapWith(Number),
      queries: sql<number>`sum(${costDaily.queries})::int`.mapWith(Number),
    })
    .from(costDaily)
    .where(
      and(
        eq(costDaily.dimension, dimension),
        gte(costDaily.usageDate, range.from),
        lte(costDaily.usageDate, range.to),
        range.warehouse === undefined ? undefined : eq(costDaily.warehouse, range.warehouse),
      ),
    )
    .groupBy(costDaily.usageDate, costDaily.value)
    .orderBy(asc(costDaily.usageDate), asc(costDaily.value));
}

/** Metered, attributed and idle credits per UTC day from … to (days without attribution are absent). */
export async function dailyAttribution(db: Db, range: CostRange): Promise<DayAttribution[]> {
  const day = sql<string>`((${attributionHourly.startTime} at time zone 'UTC')::date)::text`;
  return db
    .select({
      usageDate: day,
      meteredCredits: sql<number>`sum(${attributionHourly.meteredCredits})::float8`.mapWith(Number),
      attributedCredits: sql<number>`sum(${attributionHourly.attributedCredits})::float8`.mapWith(Number),
      idleCredits: sql<number>`sum(${attributionHourly.idleCredits})::float8`.mapWith(Number),
      queries: sql<number>`sum(${attributionHourly.queries})::int`.mapWith(Number),
    })
    .from(attributionHourly)
    .where(
      and(
        gte(attributionHourly.startTime, new Date(`${range.from}T00:00:00Z`)),
        lt(attributionHourly.startTime, new Date(`${addDays(range.to, 1)}T00:00:00Z`)),
        range.warehouse === undefined ? undefined : eq(attributionHourly.warehouse, range.warehouse),
      ),
    )
    .groupBy(day)
    .orderBy(day);
}

/** Whether any hour of `warehouse` was ever attributed (an unknown name is more often a typo than an idle one). */
export async function warehouseAttributed(db: Db, warehouse: string): Promise<boolean> {
  const [row] = await db
    .select({ one: sql`1` })
    .from(attributionHourly)
    .where(eq(attributionHourly.warehouse, warehouse))
    .limit(1);
  return row !== undefined;
}

/**
 * How far attribution has got for a day: `complete`; `incomplete` (attributed before the query views covered the
 * whole day, to be redone); `pending` (not attributed yet); `no-query-data` (no day has ever been attributed
 * completely: the source provides no query history, so no cause is coming).
 */
export type AttributionState = 'complete' | 'incomplete' | 'pending' | 'no-query-data';

/** The attribution state of each of `days`. */
export async function attributionStates(db: Db, days: readonly string[]): Promise<Map<string, AttributionState>> {
  const unique = [...new Set(days)];
  if (unique.length === 0) return new Map();
  const [any] = await db
    .select({ one: sql`1` })
    .from(attributedDays)
    .where(eq(attributedDays.complete, true))
    .limit(1);
  const rows = await db
    .select({ usageDate: attributedDays.usageDate, complete: attributedDays.complete })
    .from(attributedDays)
    .where(inArray(attributedDays.usageDate, unique));
  const complete = new Map(rows.map((r) => [r.usageDate, r.complete]));
  return new Map(
    unique.map((d): [string, AttributionState] => {
      if (complete.get(d)) return [d, 'complete'];
      if (!any) return [d, 'no-query-data'];
      return [d, complete.has(d) ? 'incomplete' : 'pending'];
    }),
  );
}

/** Of `days`, those whose cause is still to come: not completely attributed, while the source does provide queries. */
export async function causePendingDays(db: Db, days: readonly string[]): Promise<Set<string>> {
  const states = await attributionStates(db, days);
  return new Set([...states].filter(([, s]) => s === 'incomplete' || s === 'pending').map(([d]) => d));
}
