/**
 * A synthetic Snowflake organisation for demos and tests: warehouses of different sizes and rhythms (nightly
 * ETL, business-hours BI, weekly batch, ad-hoc), with a slow trend, weekly seasonality, noise, and labelled
 * anomalies (runaway days, spikes, outages). Every value is a pure function of (seed, warehouse, day), so a day
 * reads the same whatever range is asked for — re-loads are exact.
 */
import { dayToMs, eachDay, weekday } from '../../schemas/dates';
import type { HourlyMeteringRow } from './metering-source';
import { gaussian, hashParts, mulberry32 } from './prng';

export type DemoProfile = 'nightly-etl' | 'business-hours-bi' | 'weekly-batch' | 'adhoc';
export type DemoAnomalyKind = 'runaway' | 'spike' | 'outage';

export interface DemoWarehouse {
  account: string;
  id: number;
  name: string;
  profile: DemoProfile;
  /** Credits per running hour (X-Small 1, Small 2, Medium 4, Large 8 …). */
  creditsPerHour: number;
  /** Labelled anomalies recur every `anomalyEvery` days (offset by the warehouse id). */
  anomalyEvery: number;
}

export interface DemoAnomalyLabel {
  warehouse: string;
  account: string;
  warehouseName: string;
  day: string;
  kind: DemoAnomalyKind;
}

/** The built-in organisation: two accounts, six warehouses. */
export const DEMO_WAREHOUSES: readonly DemoWarehouse[] = [
  { account: 'ACME_PROD', id: 101, name: 'ETL_WH', profile: 'nightly-etl', creditsPerHour: 8, anomalyEvery: 19 },
  { account: 'ACME_PROD', id: 102, name: 'BI_WH', profile: 'business-hours-bi', creditsPerHour: 4, anomalyEvery: 23 },
  { account: 'ACME_PROD', id: 103, name: 'BATCH_WH', profile: 'weekly-batch', creditsPerHour: 16, anomalyEvery: 29 },
  { account: 'ACME_PROD', id: 104, name: 'DS_WH', profile: 'adhoc', creditsPerHour: 2, anomalyEvery: 31 },
  { account: 'ACME_DEV', id: 201, name: 'DEV_WH', profile: 'business-hours-bi', creditsPerHour: 1, anomalyEvery: 17 },
  { account: 'ACME_DEV', id: 202, name: 'TRANSFORM_WH', profile: 'nightly-etl', creditsPerHour: 2, anomalyEvery: 27 },
];

/** The demo organisation's contract price per compute credit, per account (USD). */
export const DEMO_PRICES: Readonly<Record<string, number>> = { ACME_PROD: 3.0, ACME_DEV: 2.5 };

const KINDS: DemoAnomalyKind[] = ['runaway', 'spike', 'spike', 'runaway', 'outage'];

function epochDay(day: string): number {
  return Math.round(dayToMs(day) / 86_400_000);
}

/** The labelled anomaly on this warehouse-day, if any. */
export function demoAnomalyOn(wh: DemoWarehouse, day: string, seed: number): DemoAnomalyKind | undefined {
  const n = epochDay(day) + wh.id + seed;
  if (n % wh.anomalyEvery !== 0) return undefined;
  return KINDS[hashParts(seed, wh.id, day, 'kind') % KINDS.length];
}

/** Every labelled anomaly between `from` and `to` (inclusive). */
export function demoAnomalyLabels(from: string, to: string, seed: number): DemoAnomalyLabel[] {
  const labels: DemoAnomalyLabel[] = [];
  for (const day of eachDay(from, to)) {
    for (const wh of DEMO_WAREHOUSES) {
      const kind = demoAnomalyOn(wh, day, seed);
      if (kind)
        labels.push({ warehouse: `${wh.account}.${wh.name}`, account: wh.account, warehouseName: wh.name, day, kind });
    }
  }
  return labels;
}

/** Utilisation (0–1) of each UTC hour on a normal day for a profile. */
function hourlyShape(profile: DemoProfile, dow: number, rand: () => number): number[] {
  const hours = new Array<number>(24).fill(0);
  const weekend = dow >= 5;
  switch (profile) {
    case 'nightly-etl':
      for (let h = 1; h <= 5; h++) hours[h] = weekend ? 0.55 : 0.9;
      break;
    case 'business-hours-bi':
      if (!weekend) for (let h = 8; h <= 18; h++) hours[h] = h === 12 ? 0.5 : 0.8;
      else hours[10] = 0.3;
      break;
    case 'weekly-batch':
      if (dow === 6) for (let h = 0; h <= 7; h++) hours[h] = 1;
      else hours[3] = 0.25;
      break;
    case 'adhoc':
      for (let h = 9; h <= 20; h++) if (rand() < (weekend ? 0.15 : 0.5)) hours[h] = 0.4 + 0.6 * rand();
      break;
  }
  return hours;
}

/** The demo's hourly metering for one warehouse on one day (empty for an outage). */
export function demoHourlyRows(wh: DemoWarehouse, day: string, seed: number): HourlyMeteringRow[] {
  const rand = mulberry32(hashParts(seed, wh.id, day));
  const dow = weekday(day);
  const trend = 1 + 0.15 * Math.sin((2 * Math.PI * epochDay(day)) / 180 + wh.id);
  const dayNoise = Math.max(0.5, 1 + 0.07 * gaussian(rand));
  let shape = hourlyShape(wh.profile, dow, rand);
  const anomaly = demoAnomalyOn(wh, day, seed);
  if (anomaly === 'runaway') shape = shape.map((u) => Math.max(u, 0.85));
  if (anomaly === 'spike') shape = shape.map((u) => Math.min(1, u * 2.5) + (u > 0 ? 0.6 : 0));
  if (anomaly === 'outage') shape = shape.map(() => 0);

  const start = dayToMs(day);
  const rows: HourlyMeteringRow[] = [];
  for (let h = 0; h < 24; h++) {
    if (shape[h] <= 0) continue;
    const hourNoise = Math.max(0.2, 1 + 0.05 * gaussian(rand));
    const compute = round9(wh.creditsPerHour * shape[h] * trend * dayNoise * hourNoise);
    const cloud = round9(compute * 0.06);
    rows.push({
      account: wh.account,
      warehouseId: wh.id,
      warehouseName: wh.name,
      startTime: new Date(start + h * 3_600_000),
      endTime: new Date(start + (h + 1) * 3_600_000),
      creditsUsed: round9(compute + cloud),
      creditsUsedCompute: compute,
      creditsUsedCloudServices: cloud,
    });
  }
  return rows;
}

/** Snowflake keeps credits as NUMBER(38,9). */
function round9(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
