/** The seam every metering source implements: demo, CSV, and (later) Snowflake. */

/** One WAREHOUSE_METERING_HISTORY row, with Snowflake's column meanings. */
export interface HourlyMeteringRow {
  account: string;
  warehouseId: number;
  warehouseName: string;
  startTime: Date;
  endTime: Date;
  creditsUsed: number;
  creditsUsedCompute: number;
  creditsUsedCloudServices: number;
}

/** The effective price of one compute credit for an account on a day. */
export interface CreditPrice {
  account: string;
  usageDate: string;
  currency: string;
  pricePerCredit: number;
}

/**
 * How far one account's metering is published: the latest END_TIME of any row the source holds for it, among
 * rows starting in the few days around the day asked about (see `MeteringSource.readiness`).
 */
export interface AccountReadiness {
  account: string;
  /** Latest END_TIME, or null when the source knows the account but holds no such row. */
  latestEnd: Date | null;
}

/**
 * One query that ran on a real warehouse (id > 0), with what its cost is reported by. Snowflake's views:
 * QUERY_ATTRIBUTION_HISTORY (credits; no role or size) joined with QUERY_HISTORY, or QUERY_HISTORY alone.
 */
export interface QueryCostRecord {
  account: string;
  warehouseId: number;
  warehouseName: string;
  queryId: string;
  /** QUERY_TAG as Snowflake stored it ('' when none). */
  queryTag: string;
  userName: string;
  roleName: string;
  /** QUERY_PARAMETERIZED_HASH: one value per query shape, whatever its literals. */
  queryHash: string;
  /**
   * When the query was executing on the warehouse: QUERY_HISTORY's END_TIME less EXECUTION_TIME, to END_TIME
   * (queueing and compilation are not warehouse time).
   */
  executionStart: Date;
  executionEnd: Date;
  /**
   * Compute credits Snowflake attributes to the query (QUERY_ATTRIBUTION_HISTORY.CREDITS_ATTRIBUTED_COMPUTE, idle
   * time excluded); undefined when only QUERY_HISTORY could be read, and the hour's credits are shared by
   * execution time instead.
   */
  credits?: number;
  /** WAREHOUSE_SIZE when it ran ('X-Small', 'Medium' …), for the execution-time share; undefined when unknown. */
  warehouseSize?: string;
}

export interface MeteringSource {
  /** The spec the source was opened from (`demo`, `csv:/path`). */
  readonly spec: string;
  /** Days read per call of `read`: 1 for sources queried per day, a whole range for files scanned end to end. */
  readonly chunkDays: number;
  /**
   * Hourly rows whose START_TIME falls on a day in [from, to] (UTC), in batches of at most `batchSize`.
   * Rows of pseudo-warehouses (WAREHOUSE_ID ≤ 0) are skipped. A source that finds a bad row throws before
   * yielding anything, so a failed read never leaves half a load behind.
   */
  read(from: string, to: string, batchSize: number): AsyncIterable<HourlyMeteringRow[]>;
  /**
   * The rows `read` yields, in one pass that checks each row as it goes — so a bad row throws *after* earlier
   * batches were yielded. Only for a caller that stages what it gets and keeps nothing unless the pass ends (the
   * Postgres COPY load). Present for sources that read a whole file, where `read` needs a checking pass first.
   */
  readOnePass?(from: string, to: string, batchSize: number): AsyncIterable<HourlyMeteringRow[]>;
  /** Prices per account and day from the source's billing data; `undefined` when it has none or may not read it. */
  readCreditPrices?(from: string, to: string): Promise<CreditPrice[] | undefined>;
  /**
   * A cheap check (one small query) of how far each account the source knows has been published around `day`
   * (UTC): for every recently active account, the latest END_TIME among rows of real warehouses (id > 0) whose
   * START_TIME is in [day − 7 days, day + 2 days), i.e. up to the end of day + 1. The day is complete for an
   * account once that reaches the start of day + 1 (see `judgeReadiness`). Absent when the source cannot tell.
   */
  readiness?(day: string): Promise<AccountReadiness[]>;
  /**
   * Queries on real warehouses (id > 0) whose execution overlaps the days [from, to] (UTC), in batches of at most
   * `batchSize`. Absent when the source has no query data (CSV exports): attribution is then skipped.
   */
  readQueries?(from: string, to: string, batchSize: number): AsyncIterable<QueryCostRecord[]>;
  /**
   * How far the source's query data is published: the latest execution end it holds, or null when it holds none.
   * Query views lag metering by hours (QUERY_ATTRIBUTION_HISTORY up to about 8); a day is covered once this
   * reaches the start of the next day. Present exactly when `readQueries` is.
   */
  queriesPublishedTo?(): Promise<Date | null>;
  /**
   * The accounts whose queries `readQueries` returns, when not every account the metering covers (Snowflake's query
   * views are per account): the other accounts' warehouses are left unattributed rather than counted as idle.
   */
  readonly queryAccounts?: readonly string[];
  /** Release connections. */
  close?(): Promise<void>;
}
