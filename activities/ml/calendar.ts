/**
 * Complete warehouse × day calendars: every day from a warehouse's first metered day, gaps filled with 0, up
 * to the last day — or, for a decommissioned warehouse, up to its last metered day.
 */
import { addDays, eachDay } from '../../schemas/dates';

export interface DailyCredits {
  day: string;
  credits: number;
}

/**
 * The complete daily series from the first metered day in `points` to `to` (inclusive); days without metering
 * are 0 credits (a warehouse that did not run costs nothing). Points after `to` are ignored. With
 * `decommissionedAfterDays`, a warehouse silent for that many days before `to` is decommissioned: its series
 * ends on its last metered day, so it is neither scored nor alerted as a drop forever after.
 */
export function fillCalendar(
  points: readonly DailyCredits[],
  to: string,
  options: { decommissionedAfterDays?: number } = {},
): DailyCredits[] {
  const byDay = new Map<string, number>();
  let first: string | undefined;
  let last: string | undefined;
  for (const p of points) {
    if (p.day > to) continue;
    byDay.set(p.day, (byDay.get(p.day) ?? 0) + p.credits);
    if (first === undefined || p.day < first) first = p.day;
    if (p.credits > 0 && (last === undefined || p.day > last)) last = p.day;
  }
  if (first === undefined) return [];
  const silentSince = options.decommissionedAfterDays && addDays(to, -options.decommissionedAfterDays);
  const end = silentSince && last !== undefined && last <= silentSince ? last : to;
  return eachDay(first, end).map((day) => ({ day, credits: byDay.get(day) ?? 0 }));
}
