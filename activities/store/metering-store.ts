/** Metering tables: idempotent hourly upserts and the daily totals derived from them. */
import { and, asc, eq, gte, lt, lte, sql } from 'drizzle-orm';
import { addDays, eachDay } from '../../schemas/dates';
import { ingestedDays, meteringDaily, meteringHourly } from '../../schemas/tables';
import type { DailyCredits } from '../ml/calendar';
import type { HourlyMeteringRow } from '../sources';
import type { Db } from './database';

/** Upsert hourly rows; returns how many were new or changed (an exact re-load returns 0). */
export async function upsertHourly(db: Db, rows: readonly HourlyMeteringRow[], source: string): Promise<number> {
  if (rows.length === 0) return 0;
  const written = await db
    .insert(meteringHourly)
    .values(rows.map((r) => ({ ...r, source })))
    .onConflictDoUpdate({
      target: [meteringHourly.account, meteringHourly.warehouseId, meteringHourly.startTime],
      set: {
        warehouseName: sql`excluded.warehouse_name`,
        endTime: sql`excluded.end_time`,
        creditsUsed: sql`excluded.credits_used`,
        creditsUsedCompute: sql`excluded.credits_used_compute`,
        creditsUsedCloudServices: sql`excluded.credits_used_cloud_services`,
        source: sql`excluded.source`,
        loadedAt: sql`now()`,
      },
      setWhere: sql`(${meteringHourly.warehouseName}, ${meteringHourly.endTime}, ${meteringHourly.creditsUsed},
        ${meteringHourly.creditsUsedCompute}, ${meteringHourly.creditsUsedCloudServices})
        is distinct from (excluded.warehouse_name, excluded.end_time, excluded.credits_used,
        excluded.credits_used_compute, excluded.credits_used_cloud_services)`,
    })
    .returning({ account: meteringHourly.account });
  return written.length;
}

/** Recompute `metering_daily` for the days from … to (UTC) from the hourly rows. */
export async function refreshDaily(db: Db, from: string, to: string): Promise<void> {
  const start = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${addDays(to, 1)}T00:00:00Z`);
  const day = sql<string>`(${meteringHourly.startTime} at time zone 'UTC')::date`;
  await db
    .insert(meteringDaily)
    .select(
      db
        .select({
          account: meteringHourly.account,
          warehouseName: meteringHourly.warehouseName,
          warehouse: sql<string>`${meteringHourly.account} || '.' || ${meteringHourly.warehouseName}`.as('warehouse'),
          usageDate: sql<string>`${day}`.as('usage_date'),
          creditsUsed: sql<number>`sum(${meteringHourly.creditsUsed})`.as('credits_used'),
          creditsUsedCompute: sql<number>`sum(${meteringHourly.creditsUsedCompute})`.as('credits_used_compute'),
          creditsUsedCloudServices: sql<number>`sum(${meteringHourly.creditsUsedCloudServices})`.as(
            'credits_used_cloud_services',
          ),
          hoursMetered: sql<number>`count(*)::int`.as('hours_metered'),
        })
        .from(meteringHourly)
        .where(and(gte(meteringHourly.startTime, start), lt(meteringHourly.startTime, end)))
        .groupBy(meteringHourly.account, meteringHourly.warehouseName, day),
    )
    .onConflictDoUpdate({
      target: [meteringDaily.account, meteringDaily.warehouseName, meteringDaily.usageDate],
      set: {
        creditsUsed: sql`excluded.credits_used`,
        creditsUsedCompute: sql`excluded.credits_used_compute`,
        creditsUsedCloudServices: sql`excluded.credits_used_cloud_services`,
        hoursMetered: sql`excluded.hours_metered`,
      },
    });
}

/** Record that every day from … to was fully loaded from `source`. */
export async function markDaysIngested(db: Db, source: string, from: string, to: string): Promise<void> {
  const days = eachDay(from, to);
  for (let i = 0; i < days.length; i += 1000) {
    await db
      .insert(ingestedDays)
      .values(days.slice(i, i + 1000).map((usageDate) => ({ source, usageDate })))
      .onConflictDoUpdate({ target: [ingestedDays.source, ingestedDays.usageDate], set: { loadedAt: sql`now()` } });
  }
}

/** The days from … to already fully loaded from `source`. */
export async function ingestedDaysBetween(db: Db, source: string, from: string, to: string): Promise<Set<string>> {
  const rows = await db
    .select({ day: ingestedDays.usageDate })
    .from(ingestedDays)
    .where(and(eq(ingestedDays.source, source), gte(ingestedDays.usageDate, from), lte(ingestedDays.usageDate, to)));
  return new Set(rows.map((r) => r.day));
}

/** Every warehouse key (`ACCOUNT.WAREHOUSE`) with daily metering, sorted. */
export async function listMeteredWarehouses(db: Db): Promise<string[]> {
  const rows = await db
    .selectDistinct({ warehouse: meteringDaily.warehouse })
    .from(meteringDaily)
    .orderBy(asc(meteringDaily.warehouse));
  return rows.map((r) => r.warehouse);
}

/** Daily credits of one warehouse up to `to`, in day order. */
export async function dailyCredits(db: Db, warehouse: string, to: string): Promise<DailyCredits[]> {
  const rows = await db
    .select({ day: meteringDaily.usageDate, credits: meteringDaily.creditsUsed })
    .from(meteringDaily)
    .where(and(eq(meteringDaily.warehouse, warehouse), sql`${meteringDaily.usageDate} <= ${to}`))
    .orderBy(asc(meteringDaily.usageDate));
  return rows.map((r) => ({ day: r.day, credits: Number(r.credits) }));
}

/** The first day with any metering, if any. */
export async function firstMeteredDay(db: Db): Promise<string | undefined> {
  const [row] = await db.select({ first: sql<string | null>`min(${meteringDaily.usageDate})` }).from(meteringDaily);
  return row?.first ?? undefined;
}
