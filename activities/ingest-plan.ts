/** Pure planning of what to (re)load, from the set of days already fully loaded. */
import { addDays, eachDay, maxDay, minDay } from '../schemas/dates';

/**
 * First day to load: the first day of the last `historyDays` not yet loaded, but at least the trailing
 * `reloadDays` (Snowflake restates recent metering). After `to` when nothing is missing and reloadDays is 0.
 */
export function planWindow(loaded: ReadonlySet<string>, to: string, historyDays: number, reloadDays: number): string {
  const earliest = addDays(to, 1 - historyDays);
  const firstMissing = eachDay(earliest, to).find((day) => !loaded.has(day)) ?? addDays(to, 1);
  return minDay(firstMissing, maxDay(earliest, addDays(to, 1 - reloadDays)));
}

export interface DayRange {
  from: string;
  to: string;
  days: number;
}

/** The runs of consecutive days from … to that are not in `loaded`. */
export function missingRanges(loaded: ReadonlySet<string>, from: string, to: string): DayRange[] {
  const ranges: DayRange[] = [];
  for (const day of eachDay(from, to)) {
    if (loaded.has(day)) continue;
    const last = ranges[ranges.length - 1];
    if (last && addDays(last.to, 1) === day) {
      last.to = day;
      last.days++;
    } else ranges.push({ from: day, to: day, days: 1 });
  }
  return ranges;
}
