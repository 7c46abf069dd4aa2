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
  /** Release connections. */
  close?(): Promise<void>;
}
