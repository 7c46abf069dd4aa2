/** A synthetic organisation at full duty: `warehouses` warehouses × `days` days × 24 metered hours. */
import { addDays } from '../schemas/dates';
import type { HourlyMeteringRow } from '../activities/sources';

export const BENCH_FROM = '2024-01-01';

export function* syntheticRows(warehouses: number, days: number): Generator<HourlyMeteringRow> {
  const start = Date.parse(`${BENCH_FROM}T00:00:00Z`);
  for (let d = 0; d < days; d++) {
    for (let w = 1; w <= warehouses; w++) {
      for (let h = 0; h < 24; h++) {
        const t = start + (d * 24 + h) * 3_600_000;
        const compute = Math.round((1 + ((w * 7 + d * 3 + h) % 17) / 4) * 1e6) / 1e6;
        const cloud = Math.round(compute * 0.06 * 1e6) / 1e6;
        yield {
          account: w % 2 === 0 ? 'BENCH_PROD' : 'BENCH_DEV',
          warehouseId: w,
          warehouseName: `WH_${String(w).padStart(4, '0')}`,
          startTime: new Date(t),
          endTime: new Date(t + 3_600_000),
          creditsUsed: Math.round((compute + cloud) * 1e6) / 1e6,
          creditsUsedCompute: compute,
          creditsUsedCloudServices: cloud,
        };
      }
    }
  }
}

/** Days needed for `rows` hourly rows over `warehouses` warehouses. */
export function daysFor(rows: number, warehouses: number): number {
  return Math.ceil(rows / (warehouses * 24));
}

export function lastDay(days: number): string {
  return addDays(BENCH_FROM, days - 1);
}
