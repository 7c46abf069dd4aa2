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
