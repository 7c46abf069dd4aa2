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
  /** Prices per account and day from the source's billing data; `undefined` when it has none or may not read it. */
  readCreditPrices?(from: string, to: string): Promise<CreditPrice[] | undefined>;
  /**
   * A cheap check (one small query) of how far each account the source knows has been published around `day`
   * (UTC): for every recently active account, the latest END_TIME among rows of real warehouses (id > 0) whose
   * START_TIME is in [day − 7 days, day + 2 days), i.e. up to the end of day + 1. The day is complete for an
   * account once that reaches the start of day + 1 (see `judgeReadiness`). Absent when the source cannot tell.
   */
  readiness?(day: string): Promise<AccountReadiness[]>;
  /** Release connections. */
  close?(): Promise<void>;
}
