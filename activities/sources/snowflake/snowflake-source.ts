/**
 * WAREHOUSE_METERING_HISTORY (ORGANIZATION_USAGE or ACCOUNT_USAGE) as a metering source. One query per chunk of
 * days, every value bound, every statement tagged; rows are streamed from the driver and handed on in batches.
 * Per-query cost comes from ACCOUNT_USAGE's query views, so it covers the connected account only (labelled with
 * SNOWFLAKE_ACCOUNT_LABEL), even when metering is read for the whole organisation.
 */
import type { SnowflakeSettings } from '../../../schemas/snowflake-config';
import { SourceError } from '../../errors';
import type {
  AccountReadiness,
  CreditPrice,
  HourlyMeteringRow,
  MeteringSource,
  QueryCostRecord,
} from '../metering-source';
import { SnowflakePrivilegeError } from './errors';
import {
  creditPriceQuery,
  METERING_COLUMNS,
  meteringQuery,
  PRICE_COLUMNS,
  QUERIES_PUBLISHED_COLUMNS,
  QUERY_COST_COLUMNS,
  queriesPublishedToQuery,
  queryAttributionQuery,
  queryHistoryQuery,
  READINESS_COLUMNS,
  readinessQuery,
  type BoundQuery,
} from './queries';
import type { ConnectSnowflake, Row, SnowflakeSession } from './session';

export interface SnowflakeSourceOptions {
  settings: SnowflakeSettings;
  connect: ConnectSnowflake;
  /** JSON QUERY_TAG for every statement (app, workflow, run, activity). */
  queryTag: string;
  /**
   * Called when the billing view cannot be read and the configured price is used instead, and (once) when
   * QUERY_ATTRIBUTION_HISTORY cannot be read and queries are charged by execution time instead.
   */
  warn?: (message: string) => void;
}

function toNumber(value: unknown, column: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n))
    throw new SourceError(`Snowflake returned a non-numeric ${column}: ${String(value)}`, 'snowflake');
  return n;
}

/** A time given as epoch seconds (number or numeric text), or a Date. */
function toDate(value: unknown, column: string): Date {
  const d = value instanceof Date ? new Date(value.getTime()) : new Date(Number(value) * 1000);
  if (Number.isNaN(d.getTime()))
    throw new SourceError(`Snowflake returned an invalid ${column}: ${String(value)}`, 'snowflake');
  return d;
}

const M = Object.fromEntries(METERING_COLUMNS.map((c, i) => [c, i])) as Record<
  (typeof METERING_COLUMNS)[number],
  number
>;
const R = Object.fromEntries(READINESS_COLUMNS.map((c, i) => [c, i])) as Record<
  (typeof READINESS_COLUMNS)[number],
  number
>;
const P = Object.fromEntries(PRICE_COLUMNS.map((c, i) => [c, i])) as Record<(typeof PRICE_COLUMNS)[number], number>;
const Q = Object.fromEntries(QUERY_COST_COLUMNS.map((c, i) => [c, i])) as Record<
  (typeof QUERY_COST_COLUMNS)[number],
  number
>;

/** NULL from the driver: null, or the text 'NULL' for numbers fetched as strings. */
function isNull(value: unknown): boolean {
  return value === null || value === undefined || value === 'NULL';
}

const text = (value: unknown): string => (isNull(value) ? '' : String(value));

/** A time given as epoch milliseconds (number or numeric text). */
function fromEpochMs(value: unknown, column: string): Date {
  return new Date(toNumber(value, column));
}

/** One result row of `queryAttributionQuery` / `queryHistoryQuery` as a typed record of the connected account. */
export function toQueryCostRecord(row: Row, accountLabel: string): QueryCostRecord {
  const credits = row[Q.CREDITS_ATTRIBUTED_COMPUTE];
  const size = row[Q.WAREHOUSE_SIZE];
  return {
    account: accountLabel,
    warehouseId: toNumber(row[Q.WAREHOUSE_ID], 'WAREHOUSE_ID'),
    warehouseName: text(row[Q.WAREHOUSE_NAME]),
    queryId: text(row[Q.QUERY_ID]),
    queryTag: text(row[Q.QUERY_TAG]),
    userName: text(row[Q.USER_NAME]),
    roleName: text(row[Q.ROLE_NAME]),
    queryHash: text(row[Q.QUERY_PARAMETERIZED_HASH]),
    executionStart: fromEpochMs(row[Q.EXECUTION_START_MS], 'EXECUTION_START'),
    executionEnd: fromEpochMs(row[Q.EXECUTION_END_MS], 'END_TIME'),
    credits: isNull(credits) ? undefined : toNumber(credits, 'CREDITS_ATTRIBUTED_COMPUTE'),
    warehouseSize: isNull(size) || size === '' ? undefined : String(size),
  };
}

/** One result row of `meteringQuery` (an array in METERING_COLUMNS order) as a typed metering row. */
export function toMeteringRow(row: Row, accountLabel: string): HourlyMeteringRow {
  return {
    account: row[M.ACCOUNT_NAME] ? String(row[M.ACCOUNT_NAME]) : accountLabel,
    warehouseId: toNumber(row[M.WAREHOUSE_ID], 'WAREHOUSE_ID'),
    warehouseName: String(row[M.WAREHOUSE_NAME]),
    startTime: toDate(row[M.START_EPOCH], 'START_TIME'),
    endTime: toDate(row[M.END_EPOCH], 'END_TIME'),
    creditsUsed: toNumber(row[M.CREDITS_USED], 'CREDITS_USED'),
    creditsUsedCompute: toNumber(row[M.CREDITS_USED_COMPUTE], 'CREDITS_USED_COMPUTE'),
    creditsUsedCloudServices: toNumber(row[M.CREDITS_USED_CLOUD_SERVICES], 'CREDITS_USED_CLOUD_SERVICES'),
  };
}

/** USAGE_DATE comes back as a Date (midnight UTC) or a string; keep the calendar day. */
function toIsoDay(value: unknown): string {
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);
}

export function createSnowflakeSource(options: SnowflakeSourceOptions): MeteringSource {
  const { settings } = options;
  let session: Promise<SnowflakeSession> | undefined;
  const open = () => (session ??= options.connect(settings));
  // Whether QUERY_ATTRIBUTION_HISTORY can be read: unknown until first tried, then remembered for the source's life.
  let attribution: boolean | undefined;

  /**
   * Rows of `attributed` (a statement on QUERY_ATTRIBUTION_HISTORY), or of `fallback` once that view turns out to
   * be unreadable — a missing grant, or an edition or region without it. The switch happens before any row is
   * yielded (the privilege check fails the statement up front), so the caller never sees rows of both.
   */
  async function* queryRows(attributed: BoundQuery, fallback: BoundQuery): AsyncIterable<Row> {
    const s = await open();
    if (attribution !== false) {
      try {
        for await (const row of s.stream(attributed.sqlText, attributed.binds, options.queryTag)) {
          attribution = true;
          yield row;
        }
        attribution = true;
        return;
      } catch (err) {
        if (attribution === true || !(err instanceof SnowflakePrivilegeError)) throw err;
        attribution = false;
        options.warn?.(
          `${err.message} Query costs are shared by execution time from QUERY_HISTORY instead (idle time still ` +
            "kept apart, but less exact than Snowflake's own attribution).",
        );
      }
    }
    yield* s.stream(fallback.sqlText, fallback.binds, options.queryTag);
  }
  return {
    spec: 'snowflake',
    chunkDays: 1,
    // QUERY_HISTORY and QUERY_ATTRIBUTION_HISTORY exist in ACCOUNT_USAGE only: the connected account's queries.
    queryAccounts: [settings.accountLabel],
    async *read(from: string, to: string, batchSize: number): AsyncIterable<HourlyMeteringRow[]> {
      const query = meteringQuery(settings, from, to);
      let batch: HourlyMeteringRow[] = [];
      for await (const row of (await open()).stream(query.sqlText, query.binds, options.queryTag)) {
        const metered = toMeteringRow(row, settings.accountLabel);
        if (metered.warehouseId <= 0) continue;
        batch.push(metered);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    },
    async readCreditPrices(from: string, to: string): Promise<CreditPrice[] | undefined> {
      if (settings.usageSchema !== 'ORGANIZATION_USAGE') return undefined;
      const query = creditPriceQuery(settings, from, to);
      const prices: CreditPrice[] = [];
      try {
        for await (const row of (await open()).stream(query.sqlText, query.binds, options.queryTag)) {
          const usage = toNumber(row[P.USAGE], 'USAGE');
          if (usage <= 0) continue;
          prices.push({
            account: String(row[P.ACCOUNT_NAME]),
            usageDate: toIsoDay(row[P.USAGE_DATE]),
            currency: String(row[P.CURRENCY]),
            pricePerCredit: toNumber(row[P.USAGE_IN_CURRENCY], 'USAGE_IN_CURRENCY') / usage,
          });
        }
      } catch (err) {
        if (!(err instanceof SnowflakePrivilegeError)) throw err;
        options.warn?.(`${err.message} Using SNOWPATROL_PRICE_PER_CREDIT instead.`);
        return undefined;
      }
      return prices;
    },
    /** One grouped query; ACCOUNT_USAGE's NULL account is reported under the configured account label, as in `read`. */
    async readiness(day: string): Promise<AccountReadiness[]> {
      const query = readinessQuery(settings, day);
      const accounts: AccountReadiness[] = [];
      for await (const row of (await open()).stream(query.sqlText, query.binds, options.queryTag)) {
        // MAX over no rows is NULL, which the driver hands back as the text 'NULL' for numbers fetched as strings.
        const latest = row[R.LATEST_END_EPOCH];
        const none = latest === null || latest === undefined || latest === 'NULL';
        accounts.push({
          account: row[R.ACCOUNT_NAME] ? String(row[R.ACCOUNT_NAME]) : settings.accountLabel,
          latestEnd: none ? null : toDate(latest, 'END_TIME'),
        });
      }
      return accounts;
    },
    async *readQueries(from: string, to: string, batchSize: number): AsyncIterable<QueryCostRecord[]> {
      let batch: QueryCostRecord[] = [];
      for await (const row of queryRows(queryAttributionQuery(from, to), queryHistoryQuery(from, to))) {
        const record = toQueryCostRecord(row, settings.accountLabel);
        if (record.warehouseId <= 0) continue;
        batch.push(record);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    },
    async queriesPublishedTo(): Promise<Date | null> {
      for await (const row of queryRows(queriesPublishedToQuery(true), queriesPublishedToQuery(false))) {
        const latest = row[QUERIES_PUBLISHED_COLUMNS.indexOf('LATEST_END_MS')];
        return isNull(latest) ? null : fromEpochMs(latest, 'END_TIME');
      }
      return null;
    },
    async close(): Promise<void> {
      if (!session) return;
      const s = await session.catch(() => undefined);
      session = undefined;
      await s?.close();
    },
  };
}
