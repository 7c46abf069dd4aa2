/** The built-in demo organisation as a metering source. */
import { addDays, dayToMs, eachDay, minDay } from '../../schemas/dates';
import { DEMO_PRICES, DEMO_WAREHOUSES, demoHourlyRows } from './demo-org';
import { demoQueries } from './demo-queries';
import type {
  AccountReadiness,
  CreditPrice,
  HourlyMeteringRow,
  MeteringSource,
  QueryCostRecord,
} from './metering-source';

export interface DemoSourceOptions {
  /**
   * The last day the demo organisation has published completely (for tests of readiness): later days report
   * metering only up to the end of this day, and query data (`queriesPublishedTo`) reaches only its end. Unset,
   * every day is published the moment it is asked about.
   */
  publishedThrough?: string;
}

const DEMO_ACCOUNTS = [...new Set(DEMO_WAREHOUSES.map((wh) => wh.account))];

export function createDemoSource(seed: number, options: DemoSourceOptions = {}): MeteringSource {
  return {
    spec: 'demo',
    chunkDays: 1,
    async *read(from: string, to: string, batchSize: number): AsyncIterable<HourlyMeteringRow[]> {
      let batch: HourlyMeteringRow[] = [];
      for (const day of eachDay(from, to)) {
        for (const wh of DEMO_WAREHOUSES) {
          for (const row of demoHourlyRows(wh, day, seed)) {
            batch.push(row);
            if (batch.length >= batchSize) {
              yield batch;
              batch = [];
            }
          }
        }
      }
      if (batch.length > 0) yield batch;
    },
    async readCreditPrices(from: string, to: string): Promise<CreditPrice[]> {
      return eachDay(from, to).flatMap((usageDate) =>
        Object.entries(DEMO_PRICES).map(([account, pricePerCredit]) => ({
          account,
          usageDate,
          currency: 'USD',
          pricePerCredit,
        })),
      );
    },
    /** Every demo account is published through the end of `day` (or of `publishedThrough`, if earlier). */
    async readiness(day: string): Promise<AccountReadiness[]> {
      const through = options.publishedThrough ? minDay(day, options.publishedThrough) : day;
      const latestEnd = dayToMs(addDays(through, 1));
      return DEMO_ACCOUNTS.map((account) => ({ account, latestEnd: new Date(latestEnd) }));
    },
    /** Queries executing in [from 00:00, to + 1 00:00) UTC: those started on those days, and the day before's that run past midnight. */
    async *readQueries(from: string, to: string, batchSize: number): AsyncIterable<QueryCostRecord[]> {
      const fromMs = dayToMs(from);
      let batch: QueryCostRecord[] = [];
      for (const day of eachDay(addDays(from, -1), to)) {
        for (const wh of DEMO_WAREHOUSES) {
          for (const query of demoQueries(wh, day, seed)) {
            if (query.executionEnd.getTime() <= fromMs) continue;
            batch.push(query);
            if (batch.length >= batchSize) {
              yield batch;
              batch = [];
            }
          }
        }
      }
      if (batch.length > 0) yield batch;
    },
    async queriesPublishedTo(): Promise<Date | null> {
      return options.publishedThrough ? new Date(dayToMs(addDays(options.publishedThrough, 1))) : new Date();
    },
  };
}
