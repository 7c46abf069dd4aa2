/**
 * Calendar-day arithmetic on ISO dates (`YYYY-MM-DD`, always UTC). Pure and deterministic, so workflows,
 * activities and tests share it.
 */

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** True when `value` is a real calendar date written as `YYYY-MM-DD`. */
export function isIsoDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** The earliest day snowpatrol works on: Snowflake metering does not go back further; an earlier year is a typo. */
export const EARLIEST_DAY = '2000-01-01';

/**
 * Why a real calendar `day` is outside the days snowpatrol works on — before EARLIEST_DAY, or after `today` (a later
 * day has no metering yet) — or undefined when it is inside them.
 */
export function dayOutOfRange(day: string, today: string): string | undefined {
  if (day < EARLIEST_DAY) return `"${day}" is before ${EARLIEST_DAY}, the earliest day snowpatrol works on`;
  if (day > today) return `"${day}" is in the future (today is ${today}, UTC)`;
  return undefined;
}

/** Milliseconds since the epoch of midnight UTC on `day`. */
export function dayToMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/** The UTC calendar day containing `date`. */
export function toIsoDay(date: Date | number): string {
  return new Date(date).toISOString().slice(0, 10);
}

/** `day` shifted by `n` days (negative goes back). */
export function addDays(day: string, n: number): string {
  return toIsoDay(dayToMs(day) + n * DAY_MS);
}

/** Whole days from `from` to `to` (`to - from`). */
export function daysBetween(from: string, to: string): number {
  return Math.round((dayToMs(to) - dayToMs(from)) / DAY_MS);
}

/** Every day from `from` to `to`, both included; empty when `to` is before `from`. */
export function eachDay(from: string, to: string): string[] {
  const days: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
  return days;
}

/** Day of week, Monday = 0 … Sunday = 6 (as pandas does). */
export function weekday(day: string): number {
  return (new Date(dayToMs(day)).getUTCDay() + 6) % 7;
}

/** The smaller / larger of two ISO days (string order is date order). */
export function minDay(a: string, b: string): string {
  return a < b ? a : b;
}
export function maxDay(a: string, b: string): string {
  return a > b ? a : b;
}
