/**
 * A realistic labelled organisation for backtests: `n` warehouses × `days` days of DAILY credits, starting on
 * LABELLED_FROM, a pure function of (n, days, seed) built on prng.ts.
 *
 * Each warehouse gets
 * - a size (1–64 credits per running hour, small sizes commoner) and a profile that sets its running hours and
 *   weekly rhythm, so normal weekday totals range from ~1 to ~1500 credits:
 *     weekday-bi     business-hours BI: weekends at 3–40 % of a weekday, Monday a little busier, Friday quieter;
 *     mixed          weekday-heavy but busy at weekends too (55–85 %);
 *     weekend-batch  a big weekly batch on Saturday or Sunday, weekdays at 20–60 % of it;
 *     flat           24/7 (ingestion, serving): ±5 % by weekday;
 * - a slow trend (−20 … +60 % a year, compounded) with a gentle 90–365-day wobble (0–8 %);
 * - multiplicative log-normal day noise of 5–25 % (its own σ);
 * - public-holiday dips on HOLIDAYS (fixed dates each year) for the weekday-heavy profiles: a weekday holiday
 *   looks like that warehouse's Sunday. NOT labelled — a detector should not alert on them;
 * - on ~10 % of warehouses (exactly round(n / 10)), one legitimate permanent level shift of +30–80 % (a new
 *   workload) from a day in the last two thirds of the range. NOT labelled; returned in `levelShifts`;
 * - labelled anomalies at ~1 event per 60 days: single-day spikes (×1.8–4, 50 %), runaways (2–5 consecutive days
 *   at ×2–3, 30 %) and outages (0 credits for 1–3 days, 20 %). Events are at least 3 clean days apart, never on a
 *   holiday, and never from 2 days before to 7 days after a level shift (so the shift's aftermath is measurable).
 *   Anomalies multiply the day's normal value (noise included); a spike on a quiet weekend stays small in credits.
 *
 * Every warehouse has its own random streams, so warehouse i is the same whatever `n` is.
 */
import { addDays, weekday } from '../schemas/dates';
import type { DailyCredits } from '../activities/ml/calendar';
import { gaussian, hashParts, mulberry32 } from '../activities/sources/prng';

/** The first day of every labelled organisation (a Monday). */
export const LABELLED_FROM = '2023-01-02';

/** Public holidays (month-day), the same every year. */
export const HOLIDAYS: readonly string[] = ['01-01', '05-01', '07-04', '12-25', '12-26'];

export type LabelledProfile = 'weekday-bi' | 'mixed' | 'weekend-batch' | 'flat';
export type LabelledKind = 'spike' | 'runaway' | 'outage';

export interface LabelledWarehouse {
  name: string;
  profile: LabelledProfile;
  creditsPerHour: number;
  /** Running hours on the busiest day of a normal week. */
  hours: number;
  /** Multiplier of the busiest-day level, Monday = 0 … Sunday = 6. */
  weekly: number[];
  /** Trend growth per year (log scale) and the wobble's amplitude / period in days. */
  growth: number;
  wobble: number;
  wobbleDays: number;
  /** σ of the log-normal day noise. */
  noise: number;
  /** Affected by public holidays. */
  weekdayHeavy: boolean;
}

export interface LabelledAnomaly {
  warehouse: string;
  day: string;
  kind: LabelledKind;
}

export interface LevelShift {
  warehouse: string;
  day: string;
  /** Multiplier from `day` on. */
  factor: number;
}

export interface LabelledOrg {
  /** Complete daily calendar per warehouse, LABELLED_FROM … LABELLED_FROM + days − 1. */
  series: Map<string, DailyCredits[]>;
  labels: LabelledAnomaly[];
  levelShifts: LevelShift[];
  warehouses: LabelledWarehouse[];
  /** Holidays in range that fell on a weekday (the dips). */
  holidays: string[];
}

const SIZES = [1, 2, 4, 8, 16, 32, 64];
const SIZE_WEIGHTS = [20, 22, 20, 15, 10, 8, 5];
const PROFILES: LabelledProfile[] = ['weekday-bi', 'mixed', 'weekend-batch', 'flat'];
const PROFILE_WEIGHTS = [40, 20, 15, 25];
/** Mean days between anomaly events. */
const EVENT_EVERY_DAYS = 60;
const SHIFT_SHARE = 0.1;

const uniform = (rand: () => number, lo: number, hi: number) => lo + (hi - lo) * rand();
const intBetween = (rand: () => number, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

function pick<T>(rand: () => number, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = rand() * total;
  for (let i = 0; i < items.length; i++) {
    r -= weights[i];
    if (r < 0) return items[i];
  }
  return items[items.length - 1];
}

export function isHoliday(day: string): boolean {
  return HOLIDAYS.includes(day.slice(5));
}

function describeWarehouse(index: number, seed: number): LabelledWarehouse {
  const rand = mulberry32(hashParts(seed, 'labelled-org', index, 'params'));
  const profile = pick(rand, PROFILES, PROFILE_WEIGHTS);
  const creditsPerHour = pick(rand, SIZES, SIZE_WEIGHTS);
  let hours: number;
  let weekly: number[];
  switch (profile) {
    case 'weekday-bi': {
      hours = intBetween(rand, 1, 12);
      const weekend = uniform(rand, 0.03, 0.4);
      weekly = [1, 0.95, 0.95, 0.92, 0.8, weekend, weekend * uniform(rand, 0.6, 1)];
      break;
    }
    case 'mixed': {
      hours = intBetween(rand, 4, 20);
      const weekend = uniform(rand, 0.55, 0.85);
      weekly = [1, 0.97, 0.97, 0.95, 0.9, weekend, weekend * uniform(rand, 0.85, 1)];
      break;
    }
    case 'weekend-batch': {
      hours = intBetween(rand, 3, 16);
      const weekdays = uniform(rand, 0.2, 0.6);
      const other = uniform(rand, weekdays, 1);
      const saturday = rand() < 0.6;
      weekly = [weekdays, weekdays, weekdays, weekdays, weekdays, saturday ? 1 : other, saturday ? other : 1];
      break;
    }
    case 'flat': {
      hours = 24 * uniform(rand, 0.3, 1);
      weekly = Array.from({ length: 7 }, () => uniform(rand, 0.95, 1.05));
      break;
    }
  }
  return {
    name: `WH_${String(index + 1).padStart(4, '0')}_${profile.toUpperCase().replace('-', '_')}`,
    profile,
    creditsPerHour,
    hours,
    weekly,
    growth: uniform(rand, -0.2, 0.6),
    wobble: uniform(rand, 0, 0.08),
    wobbleDays: uniform(rand, 90, 365),
    noise: uniform(rand, 0.05, 0.25),
    weekdayHeavy: profile === 'weekday-bi' || profile === 'mixed',
  };
}

/** Indices of the warehouses with a level shift: a seeded choice of exactly round(n × 10 %). */
function shiftedIndices(n: number, seed: number): Set<number> {
  const rand = mulberry32(hashParts(seed, 'labelled-org', 'shifts'));
  const idx = Array.from({ length: n }, (_, i) => i);
  const k = Math.round(n * SHIFT_SHARE);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return new Set(idx.slice(0, k));
}

/** The labelled organisation of `n` warehouses over `days` days from LABELLED_FROM. */
export function labelledOrg(n: number, days: number, seed: number): LabelledOrg {
  const dates = Array.from({ length: days }, (_, t) => addDays(LABELLED_FROM, t));
  const dows = dates.map(weekday);
  const holidayFlags = dates.map((d, t) => isHoliday(d) && dows[t] < 5);
  const shifted = shiftedIndices(n, seed);
  const series = new Map<string, DailyCredits[]>();
  const labels: LabelledAnomaly[] = [];
  const levelShifts: LevelShift[] = [];
  const warehouses: LabelledWarehouse[] = [];

  for (let w = 0; w < n; w++) {
    const wh = describeWarehouse(w, seed);
    warehouses.push(wh);
    const rand = mulberry32(hashParts(seed, 'labelled-org', w, 'days'));
    const events = mulberry32(hashParts(seed, 'labelled-org', w, 'events'));

    let shiftAt = Infinity;
    let shiftFactor = 1;
    if (shifted.has(w)) {
      const r = mulberry32(hashParts(seed, 'labelled-org', w, 'shift'));
      shiftAt = intBetween(r, Math.floor(days / 3), Math.max(Math.floor(days / 3), days - 14));
      shiftFactor = uniform(r, 1.3, 1.8);
      levelShifts.push({ warehouse: wh.name, day: dates[shiftAt], factor: shiftFactor });
    }

    // Anomaly multipliers per day (0 for an outage), placed first so day noise stays independent of them.
    const anomaly = new Map<number, { kind: LabelledKind; factor: number }>();
    let free = 7; // the first week is never anomalous
    for (let t = 0; t < days; t++) {
      const start = events() < 1 / EVENT_EVERY_DAYS;
      if (!start || t < free) continue;
      const r = events();
      const kind: LabelledKind = r < 0.5 ? 'spike' : r < 0.8 ? 'runaway' : 'outage';
      const length = kind === 'spike' ? 1 : kind === 'runaway' ? intBetween(events, 2, 5) : intBetween(events, 1, 3);
      const factor = kind === 'spike' ? uniform(events, 1.8, 4) : kind === 'runaway' ? uniform(events, 2, 3) : 0;
      const end = t + length - 1;
      if (end >= days) continue;
      if (end >= shiftAt - 2 && t <= shiftAt + 7) continue;
      let onHoliday = false;
      for (let u = t; u <= end; u++) onHoliday ||= holidayFlags[u];
      if (onHoliday) continue;
      for (let u = t; u <= end; u++) {
        // A runaway's days vary a little around its level.
        anomaly.set(u, { kind, factor: kind === 'runaway' ? factor * uniform(events, 0.9, 1.1) : factor });
        labels.push({ warehouse: wh.name, day: dates[u], kind });
      }
      free = end + 4;
    }

    const points: DailyCredits[] = [];
    const phase = uniform(rand, 0, 2 * Math.PI);
    for (let t = 0; t < days; t++) {
      const dow = dows[t];
      const rhythm = holidayFlags[t] && wh.weekdayHeavy ? wh.weekly[6] : wh.weekly[dow];
      const trend =
        Math.exp((wh.growth * t) / 365) * (1 + wh.wobble * Math.sin((2 * Math.PI * t) / wh.wobbleDays + phase));
      const noise = Math.exp(wh.noise * gaussian(rand) - (wh.noise * wh.noise) / 2);
      const level = t >= shiftAt ? shiftFactor : 1;
      const a = anomaly.get(t);
      const credits = wh.creditsPerHour * wh.hours * rhythm * trend * level * noise * (a ? a.factor : 1);
      points.push({ day: dates[t], credits: Math.round(credits * 1e6) / 1e6 });
    }
    series.set(wh.name, points);
  }
  return { series, labels, levelShifts, warehouses, holidays: dates.filter((_, t) => holidayFlags[t]) };
}
