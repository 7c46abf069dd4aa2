/**
 * The organisation the pipeline benchmark (bench/pipeline.ts) loads: the labelled organisation of
 * bench/labelled-org.ts (weekly rhythms, trends, noise, holidays, level shifts, labelled spikes, runaways and
 * outages) spread over hourly WAREHOUSE_METERING_HISTORY rows, a pure function of (warehouses, days, seed).
 *
 * Duty cycles:
 * - `full`: every warehouse meters all 24 hours of every day (the day's credits spread evenly; an outage day has
 *   24 rows of 0 credits): warehouses × days × 24 rows, the worst case;
 * - `realistic`: a warehouse meters only the hours it runs: ⌈credits ÷ its credits per running hour⌉ hours
 *   (1–24), contiguous from a start hour that suits its profile (BI from 08:00, batch from 01:00 …); an outage
 *   day has no rows at all. About a third of the full-duty rows.
 */
import { addDays } from '../schemas/dates';
import type { HourlyMeteringRow } from '../activities/sources';
import { labelledOrg, LABELLED_FROM, type LabelledOrg, type LabelledProfile } from './labelled-org';

export type Duty = 'full' | 'realistic';

/** The first day of the organisation's metering. */
export const PIPELINE_FROM = LABELLED_FROM;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Share of a day's credits that is cloud services (the rest is compute), as in typical metering. */
const CLOUD_SHARE = 0.06 / 1.06;
const START_HOUR: Record<LabelledProfile, number> = { 'weekday-bi': 8, mixed: 6, 'weekend-batch': 1, flat: 0 };

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export interface PipelineOrg {
  warehouses: number;
  /** Days generated (the loaded history plus the days appended for the nightly runs). */
  days: number;
  org: LabelledOrg;
  /** ISO date of day index `t`. */
  day(t: number): string;
  /** The hourly rows of day indices from … to (inclusive), warehouse by warehouse within each day. */
  rows(from: number, to: number, duty: Duty): Generator<HourlyMeteringRow>;
}

/** The account a warehouse belongs to (two accounts, so ORGANIZATION_USAGE reads span accounts). */
export function accountOf(index: number): string {
  return index % 2 === 0 ? 'BENCH_PROD' : 'BENCH_DEV';
}

export function pipelineOrg(warehouses: number, days: number, seed: number): PipelineOrg {
  const org = labelledOrg(warehouses, days, seed);
  const series = org.warehouses.map((wh) => org.series.get(wh.name) ?? []);
  const start = Date.parse(`${PIPELINE_FROM}T00:00:00Z`);
  function* rows(from: number, to: number, duty: Duty): Generator<HourlyMeteringRow> {
    for (let t = from; t <= to; t++) {
      const dayStart = start + t * DAY_MS;
      for (let w = 0; w < warehouses; w++) {
        const wh = org.warehouses[w];
        const credits = series[w][t].credits;
        let hours = 24;
        let first = 0;
        if (duty === 'realistic') {
          if (credits <= 0) continue;
          hours = Math.min(24, Math.max(1, Math.ceil(credits / wh.creditsPerHour)));
          first = Math.min(START_HOUR[wh.profile], 24 - hours);
        }
        const used = round6(credits / hours);
        const cloud = round6(used * CLOUD_SHARE);
        for (let h = first; h < first + hours; h++) {
          const t0 = dayStart + h * HOUR_MS;
          yield {
            account: accountOf(w),
            warehouseId: w + 1,
            warehouseName: wh.name,
            startTime: new Date(t0),
            endTime: new Date(t0 + HOUR_MS),
            creditsUsed: used,
            creditsUsedCompute: round6(used - cloud),
            creditsUsedCloudServices: cloud,
          };
        }
      }
    }
  }
  return { warehouses, days, org, day: (t) => addDays(PIPELINE_FROM, t), rows };
}

/** The header of the CSV export the `csv` source reads (Snowflake's column names). */
export const CSV_HEADER =
  'ACCOUNT_NAME,START_TIME,END_TIME,WAREHOUSE_ID,WAREHOUSE_NAME,CREDITS_USED,CREDITS_USED_COMPUTE,CREDITS_USED_CLOUD_SERVICES\n';

/** One row as a line of that CSV. */
export function csvLine(r: HourlyMeteringRow): string {
  return (
    `${r.account},${r.startTime.toISOString()},${r.endTime.toISOString()},${r.warehouseId},${r.warehouseName},` +
    `${r.creditsUsed},${r.creditsUsedCompute},${r.creditsUsedCloudServices}\n`
  );
}
