/**
 * `snowpatrol check-data`: which days from … to have not been fully loaded from a source, which loaded days came
 * back without a single metered hour (usually read before Snowflake published them), and the commands that
 * back-fill both — SnowPatrol's validate_raw_metering_table, with the fix attached.
 * Exit status 3 when anything is missing or empty, so scripts and schedules can react.
 */
import { missingRanges, type DayRange } from '../../activities/ingest-plan';
import { daysWithMetering, ingestedDaysBetween } from '../../activities/store/metering-store';
import type { Config } from '../../schemas/config';
import { daysBetween, eachDay } from '../../schemas/dates';
import { withDatabase } from '../app';

export interface CheckDataOptions {
  source: string;
  from: string;
  to: string;
  json: boolean;
}

export const EXIT_DATA_MISSING = 3;

const count = (ranges: DayRange[]) => ranges.reduce((n, r) => n + r.days, 0);
const describe = (r: DayRange) => `  ${r.from} → ${r.to} (${r.days} day${r.days === 1 ? '' : 's'})`;

export async function checkDataCommand(config: Config, opts: CheckDataOptions): Promise<void> {
  if (opts.from > opts.to) throw new Error(`--from ${opts.from} is after --to ${opts.to}`);
  await withDatabase(config, async (db) => {
    const loaded = await ingestedDaysBetween(db, opts.source, opts.from, opts.to);
    const metered = await daysWithMetering(db, opts.source, opts.from, opts.to);
    const missing = missingRanges(loaded, opts.from, opts.to);
    const notLoaded = eachDay(opts.from, opts.to).filter((day) => !loaded.has(day));
    const empty = missingRanges(new Set([...metered, ...notLoaded]), opts.from, opts.to);
    const total = daysBetween(opts.from, opts.to) + 1;
    const backfill = [...missing, ...empty].map(
      (r) => `snowpatrol ingest --source ${opts.source} --from ${r.from} --to ${r.to}`,
    );

    if (opts.json) {
      const report = { source: opts.source, from: opts.from, to: opts.to, total, missing, empty, backfill };
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else if (backfill.length === 0) {
      process.stdout.write(`All ${total} days from ${opts.from} to ${opts.to} are loaded from ${opts.source}.\n`);
    } else {
      const lines: string[] = [];
      if (missing.length > 0) {
        lines.push(
          `${count(missing)} of ${total} days from ${opts.from} to ${opts.to} are not loaded from ${opts.source}:`,
        );
        lines.push(...missing.map(describe));
      }
      if (empty.length > 0) {
        lines.push(`${count(empty)} loaded day(s) have no metering at all (read before Snowflake published them?):`);
        lines.push(...empty.map(describe));
      }
      lines.push('Back-fill with:', ...backfill.map((c) => `  ${c}`));
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    if (backfill.length > 0) process.exitCode = EXIT_DATA_MISSING;
  });
}
