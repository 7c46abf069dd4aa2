/**
 * One warehouse-hour's metered compute credits split between the queries that ran in it and the idle remainder,
 * so that attributed + idle equals metering exactly (to the nano-credit, Snowflake's NUMBER(38,9) resolution).
 *
 * - `splitByReportedCredits`: Snowflake's own per-query figures (QUERY_ATTRIBUTION_HISTORY, which excludes idle
 *   time). Idle is what metering has beyond them; when they add up to more than metering (the views are published
 *   at different times), they are scaled down to it and idle is zero.
 * - `splitByExecutionTime`: the fallback from QUERY_HISTORY. The warehouse was up `credits ÷ credits-per-hour of
 *   its size` of the hour (the whole hour when the size is unknown); the part of that uptime no query was executing
 *   is idle, and the rest is shared by execution time within the hour (overlapping queries share their overlap).
 *   Queue and compile time are not execution, so they are not charged (SnowPatrol counted elapsed time).
 */

const NANO = 1e9;
const HOUR_MS = 3_600_000;

/** Snowflake's credits per hour by warehouse size (standard warehouses, one cluster). */
export const CREDITS_PER_HOUR: Readonly<Record<string, number>> = {
  'X-SMALL': 1,
  SMALL: 2,
  MEDIUM: 4,
  LARGE: 8,
  'X-LARGE': 16,
  '2X-LARGE': 32,
  '3X-LARGE': 64,
  '4X-LARGE': 128,
  '5X-LARGE': 256,
  '6X-LARGE': 512,
};

export interface HourSplit {
  /** Credits per query id, in the order given. */
  queries: { queryId: string; credits: number }[];
  idleCredits: number;
}

export interface ReportedQueryCredits {
  queryId: string;
  credits: number;
}

export interface ExecutedQuery {
  queryId: string;
  /** Execution start and end (epoch ms); only the part inside the hour counts. */
  startMs: number;
  endMs: number;
}

export function splitByReportedCredits(meteredCredits: number, queries: readonly ReportedQueryCredits[]): HourSplit {
  const total = toNano(meteredCredits);
  const reported = queries.map((q) => Math.max(0, toNano(q.credits)));
  const sum = reported.reduce((a, b) => a + b, 0);
  const parts = sum <= total ? reported : apportion(total, reported);
  return result(queries, parts, total - parts.reduce((a, b) => a + b, 0));
}

export function splitByExecutionTime(
  meteredCredits: number,
  hourStartMs: number,
  queries: readonly ExecutedQuery[],
  creditsPerHour?: number,
): HourSplit {
  const total = toNano(meteredCredits);
  const hourEnd = hourStartMs + HOUR_MS;
  const inHour = queries.map((q) => {
    const start = Math.max(q.startMs, hourStartMs);
    const end = Math.min(q.endMs, hourEnd);
    return end > start ? { start, end } : undefined;
  });
  const executionMs = inHour.map((i) => (i ? i.end - i.start : 0));
  const busyMs = unionLength(inHour.filter((i): i is { start: number; end: number } => i !== undefined));
  const uptimeMs =
    creditsPerHour && creditsPerHour > 0 ? Math.min(HOUR_MS, (meteredCredits / creditsPerHour) * HOUR_MS) : HOUR_MS;
  const busyShare = busyMs === 0 ? 0 : Math.min(1, busyMs / Math.max(uptimeMs, busyMs));
  const queryTotal = Math.round(total * busyShare);
  const parts = apportion(queryTotal, executionMs);
  return result(queries, parts, total - queryTotal);
}

function result(queries: readonly { queryId: string }[], partsNano: number[], idleNano: number): HourSplit {
  return {
    queries: queries.map((q, i) => ({ queryId: q.queryId, credits: fromNano(partsNano[i]) })),
    idleCredits: fromNano(idleNano),
  };
}

/** `total` (an integer) in parts proportional to `weights`, summing to `total` exactly (largest remainder). */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + Math.max(0, b), 0);
  if (sum === 0 || total === 0) return weights.map(() => 0);
  const exact = weights.map((w) => (Math.max(0, w) / sum) * total);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i]++;
    left--;
  }
  return parts;
}

/** Total length of the union of intervals. */
function unionLength(intervals: { start: number; end: number }[]): number {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  let length = 0;
  let start = -Infinity;
  let end = -Infinity;
  for (const i of sorted) {
    if (i.start > end) {
      if (end > start) length += end - start;
      start = i.start;
      end = i.end;
    } else if (i.end > end) {
      end = i.end;
    }
  }
  if (end > start) length += end - start;
  return length;
}

function toNano(credits: number): number {
  return Math.round(credits * NANO);
}

function fromNano(nano: number): number {
  return nano / NANO;
}
