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

/** Where a warehouse's metering lies: its first metered day, and its last day with credits (null: none yet). */
export interface MeteredSpan {
  first: string;
  lastActive: string | null;
}

/**
 * `fillCalendar` of the whole history, cut to the days from `start` on — computed from only the points from
 * `start` on and the warehouse's `span`, so a nightly run reads weeks, not years. Days before `start` that
 * fillCalendar would have filled start the cut series at `start`; a warehouse last active before `start` is
 * decommissioned only when fillCalendar would say so.
 */
export function fillCalendarFrom(
  points: readonly DailyCredits[],
  span: MeteredSpan,
  start: string,
  to: string,
  options: { decommissionedAfterDays?: number } = {},
): DailyCredits[] {
  if (span.first >= start) return fillCalendar(points, to, options);
  const silentSince = options.decommissionedAfterDays && addDays(to, -options.decommissionedAfterDays);
  if (silentSince && span.lastActive !== null && span.lastActive < start && span.lastActive <= silentSince) return [];
  return fillCalendar([{ day: start, credits: 0 }, ...points.filter((p) => p.day >= start)], to, options);
}
