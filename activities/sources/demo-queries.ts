/**
 * The demo organisation's queries, consistent with its metering (`demoHourlyRows`): in every metered hour, named
 * workloads (Airflow, dbt, Temporal, BI dashboards, data scientists) run queries whose reported credits leave an
 * idle remainder of 5–20 % of the hour's compute. A few queries a day run across an hour boundary; their credits
 * are split between the hours in proportion to execution time, and each hour still stays within its compute.
 * On a labelled 'runaway' day the extra credits belong to one planted workload that never runs otherwise; on a
 * 'spike' day an existing workload takes them. Pure: a function of (seed, warehouse, day), like the metering.
 */
import { addDays, dayToMs, weekday } from '../../schemas/dates';
import { demoAnomalyOn, demoHourlyRows, type DemoProfile, type DemoWarehouse } from './demo-org';
import type { HourlyMeteringRow, QueryCostRecord } from './metering-source';
import { hashParts, mulberry32 } from './prng';

const HOUR_MS = 3_600_000;
/** Share of an hour's query budget one boundary-straddling query may take on each side. */
const STRADDLE_SHARE = 0.3;

/** A recurring kind of query: who runs it, how it is tagged. Its QUERY_PARAMETERIZED_HASH follows from `key`. */
export interface DemoWorkload {
  key: string;
  userName: string;
  roleName: string;
  /** QUERY_TAG of its queries on `day` ('' for none). */
  tag: (day: string) => string;
  /** Relative share of the warehouse's usual load. */
  weight: number;
  /** Runs only on these weekdays (Monday = 0); every day when unset. */
  weekdays?: readonly number[];
}

/** The identity of a demo workload as a test (or a reader of an alert) would look it up. */
export interface DemoWorkloadIdentity {
  queryTag: string;
  userName: string;
  queryHash: string;
}

const airflowJson = (dag: string, task: string, weight: number): DemoWorkload => ({
  key: `airflow:${dag}.${task}`,
  userName: 'AIRFLOW_SVC',
  roleName: 'TRANSFORMER',
  weight,
  // The SnowPatrol Airflow plugin's tag.
  tag: (day) => JSON.stringify({ dag_id: dag, task_id: task, run_id: `scheduled__${day}T00:00:00+00:00` }),
});

const dbtModel = (model: string, weight: number): DemoWorkload => ({
  key: `dbt:${model}`,
  userName: 'DBT_SVC',
  roleName: 'TRANSFORMER',
  weight,
  tag: (day) =>
    JSON.stringify({
      app: 'dbt',
      dbt_version: '1.8.7',
      project_name: 'shop',
      node_id: `model.shop.${model}`,
      node_name: model,
      materialized: 'incremental',
      invocation_id: uuidLike(hashParts('dbt-invocation', day)),
    }),
});

/** Exactly what `temporalQueryTag()` stamps from inside the workflow's activity. */
const temporalActivity = (workflowType: string, idPrefix: string, activity: string, weight: number): DemoWorkload => ({
  key: `temporal:${workflowType}.${activity}`,
  userName: 'BILLING_WORKER_SVC',
  roleName: 'BILLING',
  weight,
  tag: (day) =>
    JSON.stringify({
      workflowType,
      workflowId: `${idPrefix}-${day}`,
      runId: uuidLike(hashParts('temporal-run', workflowType, day)),
      activity,
    }),
});

const fixed = (key: string, userName: string, roleName: string, tag: string, weight: number): DemoWorkload => ({
  key,
  userName,
  roleName,
  weight,
  tag: () => tag,
});

const SUNDAY = [6];
const NOT_SUNDAY = [0, 1, 2, 3, 4, 5];

/** Each profile's usual workloads, heaviest first among those running on a given day. */
export const DEMO_WORKLOADS: Readonly<Record<DemoProfile, readonly DemoWorkload[]>> = {
  'nightly-etl': [
    airflowJson('daily_sales', 'extract_orders', 3),
    dbtModel('orders', 3),
    airflowJson('daily_sales', 'load_orders', 2),
    dbtModel('revenue_daily', 2),
    temporalActivity('billingExport', 'billing-export', 'exportInvoices', 1.5),
    dbtModel('customers', 1.5),
    airflowJson('daily_sales', 'load_customers', 1),
  ],
  'business-hours-bi': [
    fixed('bi:revenue', 'TABLEAU_SVC', 'BI_READER', 'dashboard=revenue;team=finance', 3),
    fixed('bi:churn', 'TABLEAU_SVC', 'BI_READER', 'dashboard=churn;team=growth', 2),
    fixed('bi:ops', 'LOOKER_SVC', 'BI_READER', 'dashboard=ops_kpis;team=operations', 1.5),
    fixed('bi:anna', 'ANNA_ANALYST', 'ANALYST', '', 1),
    fixed('bi:mark', 'MARK_ANALYST', 'ANALYST', '', 1),
  ],
  'weekly-batch': [
    {
      ...fixed('batch:aggregate', 'AIRFLOW_SVC', 'BATCH', 'dag_id=weekly_rollup;task_id=aggregate', 4),
      weekdays: SUNDAY,
    },
    fixed('batch:vacuum', 'AIRFLOW_SVC', 'BATCH', 'dag_id=nightly_compaction;task_id=vacuum', 1.5),
    { ...fixed('batch:publish', 'AIRFLOW_SVC', 'BATCH', 'dag_id=weekly_rollup;task_id=publish', 1), weekdays: SUNDAY },
    {
      ...fixed('batch:stats', 'AIRFLOW_SVC', 'BATCH', 'dag_id=nightly_compaction;task_id=stats', 1),
      weekdays: NOT_SUNDAY,
    },
  ],
  adhoc: [
    fixed('ds:dana', 'DANA_DS', 'DATA_SCIENTIST', 'churn model feature exploration', 2),
    fixed('ds:leo', 'LEO_DS', 'DATA_SCIENTIST', '', 1.5),
    fixed('ds:priya', 'PRIYA_DS', 'DATA_SCIENTIST', 'ab test readout', 1),
    // A tag nobody can read: its cost still has a name (the text).
    fixed('ds:sam', 'SAM_DS', 'DATA_SCIENTIST', '{notebook: scratch', 0.5),
  ],
};

/** The workload planted on each profile's runaway days, and on no other day. */
const RUNAWAYS: Readonly<Record<DemoProfile, DemoWorkload>> = {
  'nightly-etl': fixed(
    'runaway:adhoc_backfill',
    'BACKFILL_SVC',
    'TRANSFORMER',
    JSON.stringify({ dag_id: 'adhoc_backfill', task_id: 'reload_orders', run_id: 'manual__reload_orders' }),
    1,
  ),
  'business-hours-bi': fixed('runaway:wallboard', 'OPS_WALLBOARD_SVC', 'BI_READER', 'dashboard=live_ops;refresh=1m', 1),
  'weekly-batch': fixed('runaway:rebuild', 'REBUILD_SVC', 'BATCH', 'dag_id=history_rebuild;task_id=recompute_all', 1),
  adhoc: fixed('runaway:cross-join', 'TEMP_CONTRACTOR', 'DATA_SCIENTIST', 'cross join experiment', 1),
};

const SIZES: Readonly<Record<number, string>> = {
  1: 'X-Small',
  2: 'Small',
  4: 'Medium',
  8: 'Large',
  16: 'X-Large',
  32: '2X-Large',
};

/** The planted workload that carries a runaway day's extra credits on this warehouse. */
export function demoRunawayWorkload(wh: DemoWarehouse): DemoWorkloadIdentity {
  return identity(RUNAWAYS[wh.profile], '');
}

/** The usual workload that grows on a spike day: the heaviest one running on that weekday. */
export function demoSpikeWorkload(wh: DemoWarehouse, day: string): DemoWorkloadIdentity {
  return identity(activeWorkloads(wh.profile, weekday(day))[0], day);
}

function identity(w: DemoWorkload, day: string): DemoWorkloadIdentity {
  return { queryTag: w.tag(day), userName: w.userName, queryHash: queryHash(w.key) };
}

function activeWorkloads(profile: DemoProfile, dow: number): DemoWorkload[] {
  const all = DEMO_WORKLOADS[profile];
  const active = all.filter((w) => !w.weekdays || w.weekdays.includes(dow));
  return active.length > 0 ? active : [...all];
}

interface Straddler {
  /** Start of the metered hour it starts in; the next hour may be tomorrow's first. */
  hourStartMs: number;
  startMs: number;
  endMs: number;
  credits: number;
  /** Its credits in the hour it starts in and in the next, proportional to execution time. */
  before: number;
  after: number;
}

/**
 * The queries that started executing on `day` on the warehouse (a straddler from the day before belongs to that
 * day). Empty on an outage day.
 */
export function demoQueries(wh: DemoWarehouse, day: string, seed: number): QueryCostRecord[] {
  const rows = demoHourlyRows(wh, day, seed);
  if (rows.length === 0) return [];
  const dayStart = dayToMs(day);
  const own = straddlers(wh, day, seed, rows);
  const incoming = rows[0].startTime.getTime() === dayStart ? straddlersInto(wh, day, seed) : undefined;
  const anomaly = demoAnomalyOn(wh, day, seed);
  const usual = anomaly === 'runaway' || anomaly === 'spike' ? hourlyCompute(wh, addDays(day, -7), seed) : undefined;
  const dow = weekday(day);
  const normalWorkloads = activeWorkloads(wh.profile, dow);
  const extraWorkload = anomaly === 'runaway' ? RUNAWAYS[wh.profile] : normalWorkloads[0];
  const rand = mulberry32(hashParts(seed, wh.id, day, 'queries'));
  const base = hashParts(seed, wh.id, day, 'query-id');
  const records: QueryCostRecord[] = [];
  const tags = new Map<DemoWorkload, string>();
  const emit = (w: DemoWorkload, startMs: number, endMs: number, credits: number) => {
    let tag = tags.get(w);
    if (tag === undefined) tags.set(w, (tag = w.tag(day)));
    const id = queryId(base, wh.id, dayStart, seed, records.length);
    records.push(record(wh, w, tag, id, startMs, endMs, credits));
  };

  for (const row of rows) {
    const hourStart = row.startTime.getTime();
    const hourEnd = hourStart + HOUR_MS;
    const budget = hourBudget(wh, seed, row);
    const starting = own.find((s) => s.hourStartMs === hourStart);
    const ending = hourStart === dayStart ? incoming : own.find((s) => s.hourStartMs === hourStart - HOUR_MS);
    const rest = budget - (starting?.before ?? 0) - (ending?.after ?? 0);
    const usualShare = usual ? Math.min(1, (usual.get(hourStart - dayStart) ?? 0) / row.creditsUsedCompute) : 1;
    const normal = Math.min(rest, budget * usualShare);

    const planned = planHour(rand, normalWorkloads, normal, extraWorkload, rest - normal);
    const windowStart = ending ? ending.endMs : hourStart + Math.floor(rand() * 60_000);
    const windowEnd = starting ? starting.startMs : hourEnd - Math.floor(rand() * 60_000);
    const busyMs = (rest / wh.creditsPerHour) * HOUR_MS;
    for (const q of layOut(rand, planned, windowStart, windowEnd, busyMs)) emit(q.w, q.startMs, q.endMs, q.credits);
    // A runaway's long statements are what run across hours that day; otherwise the heaviest usual workload's.
    if (starting) emit(extraWorkload, starting.startMs, starting.endMs, starting.credits);
  }
  return records;
}

interface PlannedQuery {
  w: DemoWorkload;
  credits: number;
}

/**
 * An hour's queries: one or two per usual workload sharing `normal` credits by weight, and two of `extraWorkload`
 * sharing `extra` (a runaway's or a spike's credits beyond the usual day), if any.
 */
function planHour(
  rand: () => number,
  workloads: readonly DemoWorkload[],
  normal: number,
  extraWorkload: DemoWorkload,
  extra: number,
): PlannedQuery[] {
  const share = (items: { w: DemoWorkload; weight: number }[], credits: number): PlannedQuery[] => {
    const sum = items.reduce((a, i) => a + i.weight, 0);
    return items.map((i) => ({ w: i.w, credits: floor9((credits * i.weight) / sum) }));
  };
  const usual = workloads.flatMap((w) => {
    const count = rand() < 0.35 ? 2 : 1;
    return Array.from({ length: count }, () => ({ w, weight: (w.weight / count) * (0.8 + 0.4 * rand()) }));
  });
  const planned = share(usual, normal);
  if (extra > 1e-6)
    planned.push(
      ...share(
        [0, 1].map(() => ({ w: extraWorkload, weight: 0.7 + 0.6 * rand() })),
        extra,
      ),
    );
  return planned;
}

/**
 * Execution windows for an hour's queries, one after another in random order between `windowStart` and
 * `windowEnd`: busy for `busyMs` in all (the time the warehouse's size needs for their credits, at most 90 % of the
 * window), each for its share of the credits, with random gaps between them.
 */
function layOut(
  rand: () => number,
  planned: PlannedQuery[],
  windowStart: number,
  windowEnd: number,
  busyMs: number,
): (PlannedQuery & { startMs: number; endMs: number })[] {
  const length = windowEnd - windowStart;
  const credits = planned.reduce((a, q) => a + q.credits, 0);
  const busy = Math.min(0.9 * length, busyMs);
  const durations = planned.map((q) => Math.max(100, Math.floor((busy * q.credits) / credits)));
  const gaps = durations.map(() => 0.2 + rand());
  const idle = Math.max(0, length - durations.reduce((a, b) => a + b, 0));
  const gapSum = gaps.reduce((a, b) => a + b, 0) + 0.5; // the last query ends before the window does
  let at = windowStart;
  return shuffle(
    planned.map((_, i) => i),
    rand,
  ).map((i) => {
    at += Math.floor((idle * gaps[i]) / gapSum);
    const startMs = at;
    at += durations[i];
    return { ...planned[i], startMs, endMs: at };
  });
}

/** Compute credits per hour of the day (ms offset from midnight → credits). */
function hourlyCompute(wh: DemoWarehouse, day: string, seed: number): Map<number, number> {
  const start = dayToMs(day);
  return new Map(demoHourlyRows(wh, day, seed).map((r) => [r.startTime.getTime() - start, r.creditsUsedCompute]));
}

/** Credits the hour's queries report in total: its compute less an idle remainder of 6–18 %. */
function hourBudget(wh: DemoWarehouse, seed: number, row: HourlyMeteringRow): number {
  const idle = 0.06 + 0.12 * (hashParts(seed, wh.id, row.startTime.getTime(), 'idle') / 4294967296);
  return floor9(row.creditsUsedCompute * (1 - idle));
}

/** The day's boundary-straddling queries: one or two between two metered hours, plus one into tomorrow if it is metered from midnight. */
function straddlers(wh: DemoWarehouse, day: string, seed: number, rows: HourlyMeteringRow[]): Straddler[] {
  const last = rows[rows.length - 1];
  const next =
    last.endTime.getTime() === dayToMs(addDays(day, 1)) ? demoHourlyRows(wh, addDays(day, 1), seed)[0] : undefined;
  const candidates: [HourlyMeteringRow, HourlyMeteringRow][] = [];
  for (let i = 0; i + 1 < rows.length; i++) {
    if (rows[i + 1].startTime.getTime() === rows[i].endTime.getTime()) candidates.push([rows[i], rows[i + 1]]);
  }
  const rand = mulberry32(hashParts(seed, wh.id, day, 'straddle'));
  const count = Math.min(candidates.length, rand() < 0.5 ? 1 : 2);
  const chosen = shuffle(candidates, rand).slice(0, count);
  // Work running through midnight is rare enough to take whenever the metering allows it.
  if (next && next.startTime.getTime() === last.endTime.getTime()) chosen.push([last, next]);
  return chosen.map(([before, after]) => {
    const boundary = before.endTime.getTime();
    const a = Math.floor((0.04 + 0.1 * rand()) * HOUR_MS);
    const b = Math.floor((0.03 + 0.08 * rand()) * HOUR_MS);
    const cap = Math.min(
      (STRADDLE_SHARE * hourBudget(wh, seed, before) * (a + b)) / a,
      (STRADDLE_SHARE * hourBudget(wh, seed, after) * (a + b)) / b,
    );
    const credits = floor9((0.6 + 0.4 * rand()) * cap);
    return {
      hourStartMs: before.startTime.getTime(),
      startMs: boundary - a,
      endMs: boundary + b,
      credits,
      before: (credits * a) / (a + b),
      after: (credits * b) / (a + b),
    };
  });
}

/** The day before's straddler into this day's first hour, if it has one. */
function straddlersInto(wh: DemoWarehouse, day: string, seed: number): Straddler | undefined {
  const previous = addDays(day, -1);
  const rows = demoHourlyRows(wh, previous, seed);
  if (rows.length === 0) return undefined;
  return straddlers(wh, previous, seed, rows).find((s) => s.hourStartMs + HOUR_MS === dayToMs(day));
}

function record(
  wh: DemoWarehouse,
  w: DemoWorkload,
  queryTag: string,
  queryId: string,
  startMs: number,
  endMs: number,
  credits: number,
): QueryCostRecord {
  return {
    account: wh.account,
    warehouseId: wh.id,
    warehouseName: wh.name,
    queryId,
    queryTag,
    userName: w.userName,
    roleName: w.roleName,
    queryHash: queryHash(w.key),
    executionStart: new Date(startMs),
    executionEnd: new Date(endMs),
    credits,
    warehouseSize: SIZES[wh.creditsPerHour],
  };
}

const hashes = new Map<string, string>();

/** A 32-hex-digit QUERY_PARAMETERIZED_HASH, one per workload shape. */
function queryHash(key: string): string {
  let hash = hashes.get(key);
  if (hash === undefined) {
    hash = [0, 1, 2, 3].map((k) => hex(hashParts('query-hash', key, k), 8)).join('');
    hashes.set(key, hash);
  }
  return hash;
}

/** A Snowflake-looking query id, unique per (warehouse, day, index). */
function queryId(base: number, warehouseId: number, dayStart: number, seed: number, index: number): string {
  const epochDay = Math.round(dayStart / 86_400_000);
  return (
    `${hex(mix(base, index), 8)}-${hex(warehouseId, 4)}-${hex(epochDay, 4)}-${hex(index, 4)}-` +
    `${hex(mix(base, index ^ 0x5bd1e995), 8)}${hex(seed, 4)}`
  );
}

/** A UUID-shaped string from a 32-bit value. */
function uuidLike(h: number): string {
  const [a, b, c, d] = [1, 2, 3, 4].map((k) => hex(mix(h, k), 8));
  return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ Math.imul(b + 1, 0x9e3779b1), 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae3d);
  return (h ^ (h >>> 13)) >>> 0;
}

const BYTE_HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The low 4 or 8 hex digits of a 32-bit value (a table lookup: Number#toString(16) dominated the profile). */
function hex(value: number, digits: 4 | 8): string {
  const low = BYTE_HEX[(value >>> 8) & 0xff] + BYTE_HEX[value & 0xff];
  return digits === 4 ? low : BYTE_HEX[value >>> 24] + BYTE_HEX[(value >>> 16) & 0xff] + low;
}

/** Fisher–Yates, in place; returns the array. */
function shuffle<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** Credits down to Snowflake's nano-credit, so the parts never add up to more than the whole. */
function floor9(x: number): number {
  return Math.floor(x * 1e9) / 1e9;
}
