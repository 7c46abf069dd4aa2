/** The public shapes of the Snowflake emulator (kept apart so every module can import them without cycles). */
import type { HourlyMeteringRow, QueryCostRecord } from '../../activities/sources/metering-source';

export interface EmulatorUser {
  name: string;
  password?: string;
  /** SPKI PEM of the user's RSA public key (Snowflake's RSA_PUBLIC_KEY), for key-pair (SNOWFLAKE_JWT) logins. */
  publicKeyPem?: string;
}

export interface RecordedQuery {
  /** The logged-in user whose session sent the request ('' when the session token was unknown). */
  user: string;
  sqlText: string;
  /** Bind values in order, converted back from the driver's wire strings by their type (FIXED/REAL → number …). */
  binds: unknown[];
  /** Statement parameters as sent (QUERY_TAG …). */
  parameters: Record<string, unknown>;
  /** The driver's requestId: a retried request repeats it. */
  requestId: string;
  /** The driver's retryCount URL parameter (0 on a first attempt). */
  retryCount: number;
}

/** A WAREHOUSE_METERING_HISTORY row to load: the project's own row type. */
export type MeteringRowInput = HourlyMeteringRow;

/** A query to load into ACCOUNT_USAGE's query views: the project's own record type. */
export type QueryRowInput = QueryCostRecord;

export interface UsageInCurrencyRowInput {
  account: string;
  usageDate: string;
  usageType: string;
  currency: string;
  usage: number;
  usageInCurrency: number;
}

export interface EmulatorFaults {
  /** The next n query-requests get this HTTP status (default 503) with an HTML body. */
  failNext(n: number, status?: number): void;
  /** The next n query-requests have their socket destroyed mid-response (after headers, before the body completes). */
  dropNext(n: number): void;
  /** The next n query-requests wait ms before answering. */
  delayNext(n: number, ms: number): void;
  /** The next query-request answers as Snowflake does for an expired session token (390112). */
  expireSessionNext(): void;
  /** Clear all pending faults. */
  reset(): void;
}

export interface EmulatorStats {
  /** login-requests received (failed ones included). */
  logins: number;
  /** token-requests (session renewals with the master token) received. */
  renewals: number;
  /** query-requests received (each driver retry counts). */
  queryRequests: number;
  /** query-requests answered with an injected HTTP failure (failNext) or dropped (dropNext); expiries show in `renewals`. */
  failedByFault: number;
}

export interface SnowflakeEmulator {
  /** http://127.0.0.1:PORT — pass as the driver's `accessUrl`. */
  readonly url: string;
  /** The account name the driver must send; logins for any other account fail (HTTP 403, as Snowflake does). */
  readonly account: string;
  addUser(user: EmulatorUser): void;
  /** Run SQL directly on the embedded engine (Postgres dialect), e.g. to seed or inspect. */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /**
   * Insert hourly rows into ORGANIZATION_USAGE.WAREHOUSE_METERING_HISTORY (all rows) and
   * ACCOUNT_USAGE.WAREHOUSE_METERING_HISTORY (rows of `accountUsageAccount`, default 'ACME_PROD').
   */
  loadMetering(rows: Iterable<MeteringRowInput>, opts?: { accountUsageAccount?: string }): Promise<number>;
  /**
   * Insert the queries of `accountUsageAccount` (default 'ACME_PROD', as in `loadMetering`) into
   * ACCOUNT_USAGE.QUERY_HISTORY and, unless `attribution` is false, those with credits into
   * ACCOUNT_USAGE.QUERY_ATTRIBUTION_HISTORY; returns how many went into QUERY_HISTORY. To make the attribution view
   * unreadable instead, `denyView('ACCOUNT_USAGE.QUERY_ATTRIBUTION_HISTORY')`.
   */
  loadQueries(
    rows: Iterable<QueryRowInput>,
    opts?: { attribution?: boolean; accountUsageAccount?: string },
  ): Promise<number>;
  /** Insert rows into ORGANIZATION_USAGE.USAGE_IN_CURRENCY_DAILY. */
  loadUsageInCurrency(rows: Iterable<UsageInCurrencyRowInput>): Promise<number>;
  /**
   * Queries naming this view (e.g. 'ORGANIZATION_USAGE.USAGE_IN_CURRENCY_DAILY', with or without 'SNOWFLAKE.')
   * fail as Snowflake does when the role may not read it: 002003 / 42S02 "Object '…' does not exist or not
   * authorized." `denyView('')` lifts every denial.
   */
  denyView(view: string): void;
  readonly faults: EmulatorFaults;
  /** Every query-request received, in order (retries and faulted attempts included). */
  readonly queries: RecordedQuery[];
  readonly stats: EmulatorStats;
  /** `METHOD /path` of every request the emulator has no route for (each answered 404). */
  readonly unhandledRequests: string[];
  close(): Promise<void>;
}

export interface EmulatorOptions {
  /** Default 'EMU_ACCOUNT'. */
  account?: string;
  /** ORGANIZATION_NAME in the organisation views; default 'EMU_ORG'. */
  organization?: string;
}
