/** Complete warehouse × day calendars: every day from a warehouse's first metered day, gaps filled with 0. */
import { eachDay } from '../../schemas/dates';

export interface DailyCredits {
  day: string;
  credits: number;
}

/**
 * The complete daily series from the first metered day in `points` to `to` (inclusive); days without metering
 * are 0 credits (a warehouse that did not run costs nothing). Points after `to` are ignored.
 */
export function fillCalendar(points: readonly DailyCredits[], to: string): DailyCredits[] {
  const byDay = new Map<string, number>();
  let first: string | undefined;
  for (const p of points) {
    if (p.day > to) continue;
    byDay.set(p.day, (byDay.get(p.day) ?? 0) + p.credits);
    if (first === undefined || p.day < first) first = p.day;
  }
  if (first === undefined) return [];
  return eachDay(first, to).map((day) => ({ day, credits: byDay.get(day) ?? 0 }));
}
