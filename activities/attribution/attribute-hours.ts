/**
 * One day's attribution: every metered warehouse-hour's compute credits split between the queries that ran in it
 * and the idle remainder, exactly (integer nano-credits, Snowflake's NUMBER(38,9) resolution; attributed + idle =
 * metered for each hour).
 *
 * - A query's reported credits (QUERY_ATTRIBUTION_HISTORY) are spread over the UTC hours its execution overlaps, in
 *   proportion to the overlap; only the parts on the day's hours are kept (the rest belong to the neighbouring
 *   days' attribution, which spreads the same credits the same way).
 * - An hour is split by `splitByReportedCredits` when any of its queries carries reported credits (queries without
 *   a figure there get none: that view leaves out only very short queries); otherwise by `splitByExecutionTime`
 *   with the warehouse size's credits per hour.
 * - A query part on a warehouse-hour metering has no row for is dropped and counted (`unmatchedQueryParts`): with
 *   nothing metered there is nothing to attribute.
 * - A query listed twice (same account and query id) counts once.
 */
import type { AttributionMethod } from '../../schemas/attribution';
import { addDays, dayToMs } from '../../schemas/dates';
import type { QueryCostRecord } from '../sources/metering-source';
import { apportion, CREDITS_PER_HOUR, splitByExecutionTime, splitByReportedCredits } from './hour-split';

const HOUR_MS = 3_600_000;
const NANO = 1e9;

/** One metering row of the day, as attribution needs it. */
export interface MeteredHour {
  account: string;
  warehouseId: number;
  /** `ACCOUNT.WAREHOUSE_NAME`. */
  warehouse: string;
  startTime: Date;
  /** CREDITS_USED_COMPUTE in nano-credits (an integer). */
  meteredNano: number;
}

/** One warehouse-hour, split. */
export interface AttributedHour {
  account: string;
  warehouseId: number;
  warehouse: string;
  startTime: Date;
  meteredNano: number;
  attributedNano: number;
  idleNano: number;
  /** Queries executing in the hour. */
  queries: number;
  method: AttributionMethod;
}

/** The credits one query got in one warehouse-hour. */
export interface QueryPart {
  query: QueryCostRecord;
  /** The metering row's warehouse key. */
  warehouse: string;
  hourStartMs: number;
  nano: number;
}

export interface DayAttribution {
  day: string;
  /** Reported when any query of the input carries reported credits; execution-time otherwise. */
  method: AttributionMethod;
  hours: AttributedHour[];
  parts: QueryPart[];
  /** Query parts on the day's hours that no metering row matched. */
  unmatchedQueryParts: number;
}

/** Attribute one UTC day: its metering hours (others are ignored) and the queries overlapping it. */
export function attributeDay(
  day: string,
  hours: readonly MeteredHour[],
  queries: readonly QueryCostRecord[],
): DayAttribution {
  const dayStart = dayToMs(day);
  const dayEnd = dayToMs(addDays(day, 1));
  const slots = new Map<string, { hour: MeteredHour; queries: QueryCostRecord[]; reported: number[] }>();
  for (const hour of hours) {
    const start = hour.startTime.getTime();
    if (start >= dayStart && start < dayEnd)
      slots.set(hourKey(hour.account, hour.warehouseId, start), { hour, queries: [], reported: [] });
  }
  let unmatchedQueryParts = 0;
  const seen = new Set<string>();
  for (const query of queries) {
    // A query read twice (overlapping batches) is still one query.
    const id = `${query.account}\u0000${query.queryId}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const spread = spreadOverHours(query);
    for (const [hourStartMs, reportedNano] of spread) {
      if (hourStartMs < dayStart || hourStartMs >= dayEnd) continue;
      const slot = slots.get(hourKey(query.account, query.warehouseId, hourStartMs));
      if (!slot) {
        unmatchedQueryParts += 1;
        continue;
      }
      slot.queries.push(query);
      slot.reported.push(reportedNano);
    }
  }
  const result: DayAttribution = {
    day,
    method: queries.some((q) => q.credits !== undefined) ? 'reported' : 'execution-time',
    hours: [],
    parts: [],
    unmatchedQueryParts,
  };
  for (const { hour, queries: inHour, reported } of slots.values()) {
    const reportedHour = inHour.some((q) => q.credits !== undefined);
    const split = reportedHour
      ? splitByReportedCredits(
          hour.meteredNano / NANO,
          inHour.map((q, i) => ({ queryId: q.queryId, credits: q.credits === undefined ? 0 : reported[i] / NANO })),
        )
      : splitByExecutionTime(
          hour.meteredNano / NANO,
          hour.startTime.getTime(),
          inHour.map((q) => ({
            queryId: q.queryId,
            startMs: q.executionStart.getTime(),
            endMs: q.executionEnd.getTime(),
          })),
          creditsPerHourOf(inHour),
        );
    const partsNano = split.queries.map((q) => toNano(q.credits));
    const attributedNano = partsNano.reduce((a, b) => a + b, 0);
    result.hours.push({
      account: hour.account,
      warehouseId: hour.warehouseId,
      warehouse: hour.warehouse,
      startTime: hour.startTime,
      meteredNano: hour.meteredNano,
      attributedNano,
      idleNano: hour.meteredNano - attributedNano,
      queries: inHour.length,
      // An hour no query ran in is all idle either way: it carries the day's method.
      method: inHour.length === 0 ? result.method : reportedHour ? 'reported' : 'execution-time',
    });
    inHour.forEach((query, i) =>
      result.parts.push({
        query,
        warehouse: hour.warehouse,
        hourStartMs: hour.startTime.getTime(),
        nano: partsNano[i],
      }),
    );
  }
  return result;
}

/**
 * The UTC hours a query's execution overlaps, each with its share of the query's reported credits (nano; 0 when it
 * has none). A query with no execution time sits in the hour it ended in.
 */
export function spreadOverHours(query: QueryCostRecord): Map<number, number> {
  const start = query.executionStart.getTime();
  const end = query.executionEnd.getTime();
  const total = query.credits === undefined ? 0 : Math.max(0, toNano(query.credits));
  const spread = new Map<number, number>();
  if (!(end > start)) {
    spread.set(Math.floor(Math.max(start, end - 1) / HOUR_MS) * HOUR_MS, total);
    return spread;
  }
  const firstHour = Math.floor(start / HOUR_MS) * HOUR_MS;
  const hourStarts: number[] = [];
  const overlaps: number[] = [];
  for (let h = firstHour; h < end; h += HOUR_MS) {
    hourStarts.push(h);
    overlaps.push(Math.min(end, h + HOUR_MS) - Math.max(start, h));
  }
  const shares = apportion(total, overlaps);
  hourStarts.forEach((h, i) => spread.set(h, shares[i]));
  return spread;
}

/**
 * Credits per hour of the size the hour's queries ran on: the largest when they disagree (a resize mid-hour), which
 * makes the warehouse's estimated uptime, and so its idle time, the least it can have been. Undefined when no query
 * names a known size.
 */
function creditsPerHourOf(queries: readonly QueryCostRecord[]): number | undefined {
  let best: number | undefined;
  for (const q of queries) {
    const rate = creditsPerHourForSize(q.warehouseSize);
    if (rate !== undefined && (best === undefined || rate > best)) best = rate;
  }
  return best;
}

const SIZE_RATES = new Map<string, number>(
  Object.entries(CREDITS_PER_HOUR).map(([size, rate]) => [compact(size), rate]),
);

/**
 * Credits per hour of a warehouse size however it is written: `X-Small`, `XSMALL`, `x-small`, `2X-Large`,
 * `XXLARGE`, `X2LARGE` …; undefined for an unknown or missing size.
 */
export function creditsPerHourForSize(size: string | undefined): number | undefined {
  if (!size) return undefined;
  const key = compact(size)
    .replace(/^XXXLARGE$/, '3XLARGE')
    .replace(/^XXLARGE$/, '2XLARGE')
    .replace(/^X(\d)LARGE$/, '$1XLARGE');
  return SIZE_RATES.get(key);
}

function compact(size: string): string {
  return size.toUpperCase().replace(/[\s_-]/g, '');
}

function hourKey(account: string, warehouseId: number, hourStartMs: number): string {
  return `${account}\u0000${warehouseId}\u0000${hourStartMs}`;
}

/** Credits (a float with at most 9 decimals) as integer nano-credits. */
export function toNano(credits: number): number {
  return Math.round(credits * NANO);
}

/** Exact decimal text (`1234.000000001`, `-0.5`) of integer nano-credits, for numeric(38,9) columns. */
export function nanoToDecimal(nano: number): string {
  if (!Number.isSafeInteger(nano)) throw new RangeError(`not an exact nano-credit amount: ${nano}`);
  const sign = nano < 0 ? '-' : '';
  const abs = Math.abs(nano);
  const whole = Math.floor(abs / NANO);
  const fraction = (abs % NANO).toString().padStart(9, '0').replace(/0+$/, '');
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Integer nano-credits of a decimal text with at most 9 decimals (as Postgres renders numeric(38,9)). */
export function decimalToNano(text: string): number {
  const m = /^(-?)(\d+)(?:\.(\d{0,9}))?$/.exec(text.trim());
  if (!m) throw new RangeError(`not a credit amount with at most 9 decimals: ${text}`);
  const nano = Number(m[2]) * NANO + Number((m[3] ?? '').padEnd(9, '0'));
  if (!Number.isSafeInteger(nano)) throw new RangeError(`credit amount too large to be exact: ${text}`);
  return m[1] === '-' ? -nano : nano;
}
