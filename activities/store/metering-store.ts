/** Metering tables: idempotent hourly upserts and the daily totals derived from them. */
import { and, asc, eq, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import { addDays, eachDay } from '../../schemas/dates';
import { ingestedDays, meteringDaily, meteringHourly } from '../../schemas/tables';
import type { DailyCredits, MeteredSpan } from '../ml/calendar';
import type { HourlyMeteringRow } from '../sources';
import { arrayLiteral, numberArrayLiteral } from './array-literal';
import type { Db } from './database';

/**
 * Upsert hourly rows; returns how many were new or changed (an exact re-load returns 0). Each column of the
 * batch is one array parameter expanded by `unnest`, so a batch is one short statement however large it is.
 * (`MERGE` was tried: faster on a re-load, but its join plan is cached while the table grows from empty, and a
 * first load ran 2× slower.)
 */
export async function upsertHourly(db: Db, rows: readonly HourlyMeteringRow[], source: string): Promise<number> {
  if (rows.length === 0) return 0;
  const text = (pick: (r: HourlyMeteringRow) => string) => arrayLiteral(rows.map(pick));
  const numbers = (pick: (r: HourlyMeteringRow) => number) => numberArrayLiteral(rows.map(pick));
  const result = await db.execute(sql`
    insert into metering_hourly (account, warehouse_id, warehouse_name, start_time, end_time, credits_used,
      credits_used_compute, credits_used_cloud_services, source)
    select t.account, t.warehouse_id, t.warehouse_name, to_timestamp(t.start_epoch), to_timestamp(t.end_epoch),
      t.credits_used, t.credits_used_compute, t.credits_used_cloud_services, ${source}::text
    from unnest(
      ${text((r) => r.account)}::text[],
      ${numbers((r) => r.warehouseId)}::bigint[],
      ${text((r) => r.warehouseName)}::text[],
      ${numbers((r) => r.startTime.getTime() / 1000)}::double precision[],
      ${numbers((r) => r.endTime.getTime() / 1000)}::double precision[],
      ${numbers((r) => r.creditsUsed)}::numeric[],
      ${numbers((r) => r.creditsUsedCompute)}::numeric[],
      ${numbers((r) => r.creditsUsedCloudServices)}::numeric[]
    ) as t(account, warehouse_id, warehouse_name, start_epoch, end_epoch, credits_used, credits_used_compute,
      credits_used_cloud_services)
    ${sql.raw(HOURLY_ON_CONFLICT)}`);
  return affectedRows(result);
}

/**
 * The conflict clause of every write into metering_hourly: a row already there is rewritten only when a value
 * differs, so an exact re-load writes (and counts) nothing.
 */
export const HOURLY_ON_CONFLICT = `
    on conflict (start_time, account, warehouse_id) do update set
      warehouse_name = excluded.warehouse_name, end_time = excluded.end_time, credits_used = excluded.credits_used,
      credits_used_compute = excluded.credits_used_compute,
      credits_used_cloud_services = excluded.credits_used_cloud_services, source = excluded.source, loaded_at = now()
    where (metering_hourly.warehouse_name, metering_hourly.end_time, metering_hourly.credits_used,
           metering_hourly.credits_used_compute, metering_hourly.credits_used_cloud_services)
      is distinct from (excluded.warehouse_name, excluded.end_time, excluded.credits_used,
           excluded.credits_used_compute, excluded.credits_used_cloud_services)`;

/** Rows a write statement affected, whichever driver ran it (postgres.js: `count`; PGlite: `affectedRows`). */
function affectedRows(result: unknown): number {
  const r = result as { count?: number; affectedRows?: number };
  return r.count ?? r.affectedRows ?? 0;
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

/** Each warehouse metered on or before `to`: its first day and its last day with credits, by warehouse key. */
export async function meteredSpans(db: Db, to: string): Promise<Map<string, MeteredSpan>> {
  const rows = await db
    .select({
      warehouse: meteringDaily.warehouse,
      first: sql<string>`min(${meteringDaily.usageDate})::text`,
      lastActive: sql<
        string | null
      >`(max(${meteringDaily.usageDate}) filter (where ${meteringDaily.creditsUsed} > 0))::text`,
    })
    .from(meteringDaily)
    .where(lte(meteringDaily.usageDate, to))
    .groupBy(meteringDaily.warehouse)
    .orderBy(asc(meteringDaily.warehouse));
  return new Map(rows.map((r) => [r.warehouse, { first: r.first, lastActive: r.lastActive }]));
}

/** Daily credits of these warehouses from … to, by warehouse, in day order (one query). */
export async function dailyCreditsBetween(
  db: Db,
  warehouses: readonly string[],
  from: string,
  to: string,
): Promise<Map<string, DailyCredits[]>> {
  const byWarehouse = new Map<string, DailyCredits[]>(warehouses.map((w) => [w, []]));
  if (warehouses.length === 0) return byWarehouse;
  const rows = await db
    .select({ warehouse: meteringDaily.warehouse, day: meteringDaily.usageDate, credits: meteringDaily.creditsUsed })
    .from(meteringDaily)
    .where(
      and(
        inArray(meteringDaily.warehouse, [...warehouses]),
        gte(meteringDaily.usageDate, from),
        lte(meteringDaily.usageDate, to),
      ),
    )
    .orderBy(asc(meteringDaily.warehouse), asc(meteringDaily.usageDate));
  for (const r of rows) byWarehouse.get(r.warehouse)?.push({ day: r.day, credits: Number(r.credits) });
  return byWarehouse;
}

/** The first day with any metering, if any. */
export async function firstMeteredDay(db: Db): Promise<string | undefined> {
  const [row] = await db.select({ first: sql<string | null>`min(${meteringDaily.usageDate})` }).from(meteringDaily);
  return row?.first ?? undefined;
}

/** The days from … to on which `source` has at least one hourly row. */
export async function daysWithMetering(db: Db, source: string, from: string, to: string): Promise<Set<string>> {
  const day = sql<string>`(${meteringHourly.startTime} at time zone 'UTC')::date::text`;
  const rows = await db
    .selectDistinct({ day })
    .from(meteringHourly)
    .where(
      and(
        eq(meteringHourly.source, source),
        gte(meteringHourly.startTime, new Date(`${from}T00:00:00Z`)),
        lt(meteringHourly.startTime, new Date(`${addDays(to, 1)}T00:00:00Z`)),
      ),
    );
  return new Set(rows.map((r) => r.day));
}

/** Accounts with daily metering on any day from … to (both included), sorted. */
export async function activeAccounts(db: Db, from: string, to: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ account: meteringDaily.account })
    .from(meteringDaily)
    .where(and(gte(meteringDaily.usageDate, from), lte(meteringDaily.usageDate, to)))
    .orderBy(asc(meteringDaily.account));
  return rows.map((r) => r.account);
}
