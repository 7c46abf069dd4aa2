/**
 * The SQL snowpatrol runs on Snowflake. Every value is a positional bind (`?`); identifiers come only from
 * the fixed schema names below, never from input.
 */
import { addDays } from '../../../schemas/dates';
import type { SnowflakeSettings, UsageSchema } from '../../../schemas/snowflake-config';

export interface BoundQuery {
  sqlText: string;
  binds: (string | number)[];
}

const SCHEMAS: Record<UsageSchema, string> = {
  ORGANIZATION_USAGE: 'SNOWFLAKE.ORGANIZATION_USAGE',
  ACCOUNT_USAGE: 'SNOWFLAKE.ACCOUNT_USAGE',
};

/** UTC midnight bounds of [from, to] as timestamp strings Snowflake casts implicitly. */
function dayBounds(from: string, to: string): [string, string] {
  return [`${from} 00:00:00 +0000`, `${addDays(to, 1)} 00:00:00 +0000`];
}

function accountFilter(settings: Pick<SnowflakeSettings, 'accounts' | 'usageSchema'>): {
  sql: string;
  binds: string[];
} {
  if (settings.usageSchema !== 'ORGANIZATION_USAGE' || !settings.accounts) return { sql: '', binds: [] };
  return { sql: ` AND ACCOUNT_NAME IN (${settings.accounts.map(() => '?').join(', ')})`, binds: settings.accounts };
}

/** Result columns of `meteringQuery`, in order (rows are read as arrays). */
export const METERING_COLUMNS = [
  'ACCOUNT_NAME',
  'WAREHOUSE_ID',
  'WAREHOUSE_NAME',
  'START_EPOCH',
  'END_EPOCH',
  'CREDITS_USED',
  'CREDITS_USED_COMPUTE',
  'CREDITS_USED_CLOUD_SERVICES',
] as const;

/** Result columns of `creditPriceQuery`, in order. */
export const PRICE_COLUMNS = ['ACCOUNT_NAME', 'USAGE_DATE', 'CURRENCY', 'USAGE_IN_CURRENCY', 'USAGE'] as const;

/** Hourly warehouse metering whose START_TIME falls on a day in [from, to]; pseudo-warehouses (id ≤ 0) skipped. */
export function meteringQuery(
  settings: Pick<SnowflakeSettings, 'accounts' | 'usageSchema'>,
  from: string,
  to: string,
): BoundQuery {
  const account = settings.usageSchema === 'ORGANIZATION_USAGE' ? 'ACCOUNT_NAME' : 'NULL AS ACCOUNT_NAME';
  const filter = accountFilter(settings);
  return {
    sqlText:
      // Times as epoch seconds and (with fetchAsString) numbers as text: the driver's per-value Date and
      // BigNumber conversions otherwise cost more CPU than everything else in the load.
      `SELECT ${account}, WAREHOUSE_ID, WAREHOUSE_NAME, DATE_PART(EPOCH_SECOND, START_TIME) AS START_EPOCH, ` +
      'DATE_PART(EPOCH_SECOND, END_TIME) AS END_EPOCH, CREDITS_USED, CREDITS_USED_COMPUTE, CREDITS_USED_CLOUD_SERVICES ' +
      `FROM ${SCHEMAS[settings.usageSchema]}.WAREHOUSE_METERING_HISTORY ` +
      `WHERE START_TIME >= ? AND START_TIME < ? AND WAREHOUSE_ID > 0${filter.sql}`,
    binds: [...dayBounds(from, to), ...filter.binds],
  };
}

/** Result columns of `readinessQuery`, in order. */
export const READINESS_COLUMNS = ['ACCOUNT_NAME', 'LATEST_END_EPOCH'] as const;

/** Days before `day` whose rows still count as the account being recently active. */
export const READINESS_LOOKBACK_DAYS = 7;

/**
 * The latest END_TIME (epoch seconds) per account among real warehouses' rows with START_TIME in
 * [day − 7 days, day + 2 days): enough to tell whether `day` has been published completely. ACCOUNT_USAGE has
 * no ACCOUNT_NAME, so its one row carries NULL (and MAX is NULL when no row matched).
 */
export function readinessQuery(settings: Pick<SnowflakeSettings, 'accounts' | 'usageSchema'>, day: string): BoundQuery {
  const org = settings.usageSchema === 'ORGANIZATION_USAGE';
  const filter = accountFilter(settings);
  return {
    sqlText:
      `SELECT ${org ? 'ACCOUNT_NAME' : 'NULL AS ACCOUNT_NAME'}, MAX(DATE_PART(EPOCH_SECOND, END_TIME)) AS LATEST_END_EPOCH ` +
      `FROM ${SCHEMAS[settings.usageSchema]}.WAREHOUSE_METERING_HISTORY ` +
      `WHERE START_TIME >= ? AND START_TIME < ? AND WAREHOUSE_ID > 0${filter.sql}` +
      (org ? ' GROUP BY ACCOUNT_NAME' : ''),
    binds: [...dayBounds(addDays(day, -READINESS_LOOKBACK_DAYS), addDays(day, 1)), ...filter.binds],
  };
}

/** Effective compute price per credit per account and day, from the organisation's billing view. */
export function creditPriceQuery(
  settings: Pick<SnowflakeSettings, 'accounts' | 'usageSchema'>,
  from: string,
  to: string,
): BoundQuery {
  const filter = accountFilter({ ...settings, usageSchema: 'ORGANIZATION_USAGE' });
  return {
    sqlText:
      'SELECT ACCOUNT_NAME, USAGE_DATE, CURRENCY, SUM(USAGE_IN_CURRENCY) AS USAGE_IN_CURRENCY, SUM(USAGE) AS USAGE ' +
      'FROM SNOWFLAKE.ORGANIZATION_USAGE.USAGE_IN_CURRENCY_DAILY ' +
      `WHERE USAGE_DATE >= ? AND USAGE_DATE <= ? AND USAGE_TYPE = ?${filter.sql} ` +
      'GROUP BY ACCOUNT_NAME, USAGE_DATE, CURRENCY',
    binds: [from, to, 'compute', ...filter.binds],
  };
}

/** Result columns of `queryAttributionQuery` and `queryHistoryQuery`, in order. */
export const QUERY_COST_COLUMNS = [
  'QUERY_ID',
  'WAREHOUSE_ID',
  'WAREHOUSE_NAME',
  'QUERY_TAG',
  'USER_NAME',
  'ROLE_NAME',
  'QUERY_PARAMETERIZED_HASH',
  'EXECUTION_START_MS',
  'EXECUTION_END_MS',
  'CREDITS_ATTRIBUTED_COMPUTE',
  'WAREHOUSE_SIZE',
] as const;

/**
 * Execution start and end as epoch milliseconds (numbers, not timestamps, for the same reason as in
 * `meteringQuery`), and the bound filter "execution overlaps [from, to + 1)" on QUERY_HISTORY aliased `q`.
 * START_TIME < end is implied by the execution filter but lets Snowflake prune partitions by it.
 */
function executionWindow(from: string, to: string): { select: string; where: string; binds: (string | number)[] } {
  const [start, end] = dayBounds(from, to);
  return {
    select:
      'DATE_PART(EPOCH_MILLISECOND, q.END_TIME) - q.EXECUTION_TIME AS EXECUTION_START_MS, ' +
      'DATE_PART(EPOCH_MILLISECOND, q.END_TIME) AS EXECUTION_END_MS',
    where:
      'q.END_TIME > ? AND q.START_TIME < ? AND DATE_PART(EPOCH_MILLISECOND, q.END_TIME) - q.EXECUTION_TIME < ? ' +
      'AND q.WAREHOUSE_ID > 0',
    binds: [start, end, Date.parse(`${addDays(to, 1)}T00:00:00Z`)],
  };
}

/**
 * Queries of the connected account whose execution overlaps the days [from, to], with the compute credits
 * Snowflake attributes to each (QUERY_ATTRIBUTION_HISTORY, idle time excluded). The view has no role, size or
 * execution time, so it is joined with QUERY_HISTORY. Both are ACCOUNT_USAGE views: attribution covers only the
 * account snowpatrol is connected to, whatever the metering schema.
 */
export function queryAttributionQuery(from: string, to: string): BoundQuery {
  const window = executionWindow(from, to);
  const [start, end] = dayBounds(from, to);
  return {
    sqlText:
      'SELECT q.QUERY_ID, q.WAREHOUSE_ID, q.WAREHOUSE_NAME, q.QUERY_TAG, q.USER_NAME, q.ROLE_NAME, ' +
      `q.QUERY_PARAMETERIZED_HASH, ${window.select}, a.CREDITS_ATTRIBUTED_COMPUTE, q.WAREHOUSE_SIZE ` +
      'FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_ATTRIBUTION_HISTORY a ' +
      'JOIN SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY q ON q.QUERY_ID = a.QUERY_ID ' +
      // QUERY_ATTRIBUTION_HISTORY's own times are the execution's; bounding them too prunes that view as well.
      `WHERE a.END_TIME > ? AND a.START_TIME < ? AND ${window.where}`,
    binds: [start, end, ...window.binds],
  };
}

/**
 * The fallback when QUERY_ATTRIBUTION_HISTORY cannot be read: the same queries from QUERY_HISTORY alone, with no
 * credits (NULL), to be charged by execution time. Queries that never executed on a warehouse are left out.
 */
export function queryHistoryQuery(from: string, to: string): BoundQuery {
  const window = executionWindow(from, to);
  return {
    sqlText:
      'SELECT q.QUERY_ID, q.WAREHOUSE_ID, q.WAREHOUSE_NAME, q.QUERY_TAG, q.USER_NAME, q.ROLE_NAME, ' +
      `q.QUERY_PARAMETERIZED_HASH, ${window.select}, NULL AS CREDITS_ATTRIBUTED_COMPUTE, q.WAREHOUSE_SIZE ` +
      'FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY q ' +
      `WHERE ${window.where} AND q.EXECUTION_TIME > 0`,
    binds: window.binds,
  };
}

/** Result columns of `queriesPublishedToQuery`. */
export const QUERIES_PUBLISHED_COLUMNS = ['LATEST_END_MS'] as const;

/**
 * How far a query view is published: the latest END_TIME (epoch ms) of a query on a real warehouse, NULL when it
 * holds none. Read from QUERY_ATTRIBUTION_HISTORY when that is the view attribution reads (it lags QUERY_HISTORY
 * by hours), else from QUERY_HISTORY.
 */
export function queriesPublishedToQuery(attribution: boolean): BoundQuery {
  const view = attribution ? 'QUERY_ATTRIBUTION_HISTORY' : 'QUERY_HISTORY';
  return {
    sqlText:
      'SELECT MAX(DATE_PART(EPOCH_MILLISECOND, END_TIME)) AS LATEST_END_MS ' +
      `FROM SNOWFLAKE.ACCOUNT_USAGE.${view} WHERE WAREHOUSE_ID > 0`,
    binds: [],
  };
}
