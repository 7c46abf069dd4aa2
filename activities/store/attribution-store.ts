/**
 * Attribution tables: a day's `attribution_hourly`, `cost_daily` and `attributed_days` rows replaced together, and
 * the reads attribution and root cause need. Credits travel as exact decimal text (numeric(38,9)) on the way in.
 */
import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { AnomalyCauses, AttributionMethod } from '../../schemas/attribution';
import { addDays } from '../../schemas/dates';
import { anomalies, costDaily } from '../../schemas/tables';
import { decimalToNano, nanoToDecimal, type DayAttribution, type MeteredHour } from '../attribution/attribute-hours';
import type { CostRow, DayTotals } from '../attribution/cost-rollup';
import type { AnomalyRow } from './anomaly-store';
import { arrayLiteral, numberArrayLiteral } from './array-literal';
import type { Db } from './database';

/** Rows per insert statement (each column one array parameter). */
const CHUNK_ROWS = 5000;

/** Everything one day's attribution writes. */
export interface DayAttributionResult {
  attribution: DayAttribution;
  costs: readonly CostRow[];
  totals: DayTotals;
  /** Whether the query data covered the whole day when it was read. */
  complete: boolean;
}

/**
 * Replace the day's attribution in one transaction: its `attribution_hourly` rows (hours starting on the day) and
 * `cost_daily` rows are deleted and written anew, and `attributed_days` records the totals, `complete` and now.
 */
export async function replaceDayAttribution(db: Db, day: string, result: DayAttributionResult): Promise<void> {
  const { start, end } = dayBounds(day);
  const { attribution, costs, totals } = result;
  await db.transaction(async (tx) => {
    await tx.execute(
      sql`delete from attribution_hourly where start_time >= ${start}::timestamptz and start_time < ${end}::timestamptz`,
    );
    await tx.execute(sql`delete from cost_daily where usage_date = ${day}::date`);
    for (let i = 0; i < attribution.hours.length; i += CHUNK_ROWS) {
      const hours = attribution.hours.slice(i, i + CHUNK_ROWS);
      await tx.execute(sql`
        insert into attribution_hourly (start_time, account, warehouse_id, warehouse, metered_credits,
          attributed_credits, idle_credits, queries, method)
        select to_timestamp(t.start_epoch), t.account, t.warehouse_id, t.warehouse, t.metered, t.attributed, t.idle,
          t.queries, t.method
        from unnest(
          ${numberArrayLiteral(hours.map((h) => h.startTime.getTime() / 1000))}::double precision[],
          ${arrayLiteral(hours.map((h) => h.account))}::text[],
          ${numberArrayLiteral(hours.map((h) => h.warehouseId))}::bigint[],
          ${arrayLiteral(hours.map((h) => h.warehouse))}::text[],
          ${arrayLiteral(hours.map((h) => nanoToDecimal(h.meteredNano)))}::numeric[],
          ${arrayLiteral(hours.map((h) => nanoToDecimal(h.attributedNano)))}::numeric[],
          ${arrayLiteral(hours.map((h) => nanoToDecimal(h.idleNano)))}::numeric[],
          ${numberArrayLiteral(hours.map((h) => h.queries))}::integer[],
          ${arrayLiteral(hours.map((h) => h.method))}::text[]
        ) as t(start_epoch, account, warehouse_id, warehouse, metered, attributed, idle, queries, method)`);
    }
    for (let i = 0; i < costs.length; i += CHUNK_ROWS) {
      const rows = costs.slice(i, i + CHUNK_ROWS);
      await tx.execute(sql`
        insert into cost_daily (usage_date, warehouse, dimension, value, credits, queries)
        select ${day}::date, t.warehouse, t.dimension, t.value, t.credits, t.queries
        from unnest(
          ${arrayLiteral(rows.map((r) => r.warehouse))}::text[],
          ${arrayLiteral(rows.map((r) => r.dimension))}::text[],
          ${arrayLiteral(rows.map((r) => r.value))}::text[],
          ${arrayLiteral(rows.map((r) => nanoToDecimal(r.nano)))}::numeric[],
          ${numberArrayLiteral(rows.map((r) => r.queries))}::integer[]
        ) as t(warehouse, dimension, value, credits, queries)`);
    }
    await tx.execute(sql`
      insert into attributed_days (usage_date, method, queries, metered_credits, attributed_credits, idle_credits,
        complete, attributed_at)
      values (${day}::date, ${attribution.method}, ${totals.queries}, ${nanoToDecimal(totals.meteredNano)}::numeric,
        ${nanoToDecimal(totals.attributedNano)}::numeric, ${nanoToDecimal(totals.idleNano)}::numeric,
        ${result.complete}, now())
      on conflict (usage_date) do update set method = excluded.method, queries = excluded.queries,
        metered_credits = excluded.metered_credits, attributed_credits = excluded.attributed_credits,
        idle_credits = excluded.idle_credits, complete = excluded.complete, attributed_at = excluded.attributed_at`);
  });
}

/** The day's metering rows (hours starting on it, UTC), with compute credits read exactly. */
export async function meteringHoursOfDay(db: Db, day: string): Promise<MeteredHour[]> {
  const { start, end } = dayBounds(day);
  const rows = await query<{
    account: string;
    warehouse_id: string;
    warehouse_name: string;
    start_ms: string;
    compute: string;
  }>(
    db,
    sql`select account, warehouse_id::text, warehouse_name, (extract(epoch from start_time) * 1000)::bigint::text as start_ms,
          credits_used_compute::text as compute
        from metering_hourly
        where start_time >= ${start}::timestamptz and start_time < ${end}::timestamptz
        order by start_time, account, warehouse_id`,
  );
  return rows.map((r) => ({
    account: r.account,
    warehouseId: Number(r.warehouse_id),
    warehouse: `${r.account}.${r.warehouse_name}`,
    startTime: new Date(Number(r.start_ms)),
    meteredNano: decimalToNano(r.compute),
  }));
}

/** Where a day stands: whether (and how) it was attributed, and whether its metering changed since. */
export interface AttributionState {
  day: string;
  /** When it was last attributed; null if never. */
  attributedAt: Date | null;
  /** Whether the query data covered the whole day then (false if never attributed). */
  complete: boolean;
  method: AttributionMethod | null;
  /** Latest `loaded_at` of the day's metering rows; null without metering. */
  meteringLoadedAt: Date | null;
  /** Metering of the day was (re)loaded after it was attributed (compared in the database, to the microsecond). */
  meteringChangedSince: boolean;
}

/** The state of each day asked about, by day. */
export async function attributionState(db: Db, days: readonly string[]): Promise<Map<string, AttributionState>> {
  const states = new Map<string, AttributionState>();
  if (days.length === 0) return states;
  const rows = await query<{
    day: string;
    attributed_ms: string | null;
    complete: boolean | null;
    method: AttributionMethod | null;
    loaded_ms: string | null;
    changed: boolean;
  }>(
    db,
    sql`select d.day::text as day,
          (extract(epoch from a.attributed_at) * 1000)::bigint::text as attributed_ms, a.complete, a.method,
          (extract(epoch from m.loaded_at) * 1000)::bigint::text as loaded_ms,
          coalesce(m.loaded_at > a.attributed_at, false) as changed
        from unnest(${arrayLiteral([...days])}::date[]) as d(day)
        left join attributed_days a on a.usage_date = d.day
        left join lateral (
          select max(h.loaded_at) as loaded_at from metering_hourly h
           where h.start_time >= d.day::timestamp at time zone 'UTC'
             and h.start_time < (d.day + 1)::timestamp at time zone 'UTC') m on true`,
  );
  for (const r of rows) {
    states.set(r.day, {
      day: r.day,
      attributedAt: r.attributed_ms === null ? null : new Date(Number(r.attributed_ms)),
      complete: r.complete === true,
      method: r.method,
      meteringLoadedAt: r.loaded_ms === null ? null : new Date(Number(r.loaded_ms)),
      meteringChangedSince: r.changed === true,
    });
  }
  return states;
}

/** One `cost_daily` row as read back (credits as a number: for display and root cause, not reconciliation). */
export interface DailyCost {
  usageDate: string;
  dimension: string;
  value: string;
  credits: number;
  queries: number;
}

/** A warehouse's costs on these days in these dimensions, by day, dimension and value. */
export async function costsForDays(
  db: Db,
  warehouse: string,
  dimensions: readonly string[],
  days: readonly string[],
): Promise<DailyCost[]> {
  if (dimensions.length === 0 || days.length === 0) return [];
  return db
    .select({
      usageDate: costDaily.usageDate,
      dimension: costDaily.dimension,
      value: costDaily.value,
      credits: costDaily.credits,
      queries: costDaily.queries,
    })
    .from(costDaily)
    .where(
      and(
        eq(costDaily.warehouse, warehouse),
        inArray(costDaily.dimension, [...dimensions]),
        inArray(costDaily.usageDate, [...days]),
      ),
    )
    .orderBy(asc(costDaily.usageDate), asc(costDaily.dimension), asc(costDaily.value));
}

/** A warehouse's idle credits per attributed day among these (days without attribution are absent). */
export async function idleForDays(db: Db, warehouse: string, days: readonly string[]): Promise<Map<string, number>> {
  if (days.length === 0) return new Map();
  const rows = await query<{ day: string; idle: string }>(
    db,
    sql`select (start_time at time zone 'UTC')::date::text as day, sum(idle_credits)::text as idle
          from attribution_hourly
         where warehouse = ${warehouse} and (start_time at time zone 'UTC')::date = any(${arrayLiteral([...days])}::date[])
         group by 1`,
  );
  return new Map(rows.map((r) => [r.day, Number(r.idle)]));
}

/** Anomalies dated on any of these days, by date then warehouse. */
export async function anomaliesOnDays(db: Db, days: readonly string[]): Promise<AnomalyRow[]> {
  if (days.length === 0) return [];
  return db
    .select()
    .from(anomalies)
    .where(inArray(anomalies.usageDate, [...days]))
    .orderBy(asc(anomalies.usageDate), asc(anomalies.warehouse));
}

/** Store an anomaly's root cause (null clears it). */
export async function setCauses(db: Db, anomalyId: number, causes: AnomalyCauses | null): Promise<void> {
  await db.update(anomalies).set({ causes }).where(eq(anomalies.id, anomalyId));
}

function dayBounds(day: string): { start: string; end: string } {
  return { start: `${day}T00:00:00Z`, end: `${addDays(day, 1)}T00:00:00Z` };
}

/** Rows of a raw query, whichever driver ran it (postgres.js: an array; PGlite: `{ rows }`). */
async function query<T>(db: Db, statement: SQL): Promise<T[]> {
  const result = (await db.execute(statement)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}
