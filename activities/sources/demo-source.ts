/** The built-in demo organisation as a metering source. */
import { eachDay } from '../../schemas/dates';
import { DEMO_PRICES, DEMO_WAREHOUSES, demoHourlyRows } from './demo-org';
import type { CreditPrice, HourlyMeteringRow, MeteringSource } from './metering-source';

export function createDemoSource(seed: number): MeteringSource {
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
  };
}
