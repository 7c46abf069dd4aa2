/**
 * Daily credits per warehouse from hourly metering rows, summed by UTC day — the same totals `metering_daily`
 * holds — for computations that run straight off a source (the backtest) instead of the state database.
 */
import { toIsoDay } from '../../schemas/dates';
import type { HourlyMeteringRow } from '../sources/metering-source';
import { fillCalendar, type DailyCredits } from './calendar';

const DAY_MS = 86_400_000;

export class DailySeries {
  /** warehouse → epoch day → credits (numeric keys: no date formatting per row). */
  private readonly totals = new Map<string, Map<number, number>>();

  /** Add rows (any order, any batch size). */
  add(rows: readonly HourlyMeteringRow[]): void {
    for (const row of rows) {
      const warehouse = `${row.account}.${row.warehouseName}`;
      let days = this.totals.get(warehouse);
      if (!days) this.totals.set(warehouse, (days = new Map()));
      const day = Math.floor(row.startTime.getTime() / DAY_MS);
      days.set(day, (days.get(day) ?? 0) + row.creditsUsed);
    }
  }

  get warehouses(): string[] {
    return [...this.totals.keys()].sort();
  }

  /** The complete calendar of one warehouse up to `to` (see fillCalendar). */
  series(warehouse: string, to: string, options: { decommissionedAfterDays?: number } = {}): DailyCredits[] {
    const days = this.totals.get(warehouse) ?? new Map<number, number>();
    const points = [...days].map(([day, credits]) => ({ day: toIsoDay(day * DAY_MS), credits }));
    return fillCalendar(points, to, options);
  }
}
