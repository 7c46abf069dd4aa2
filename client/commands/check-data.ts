/**
 * `snowpatrol check-data`: which days from … to have not been fully loaded from a source, and the one command
 * that back-fills them (SnowPatrol's validate_raw_metering_table, but with the fix attached).
 * Exit status 3 when days are missing, so scripts and schedules can react.
 */
import { ingestedDaysBetween } from '../../activities/store/metering-store';
import { missingRanges } from '../../activities/ingest-plan';
import type { Config } from '../../schemas/config';
import { daysBetween } from '../../schemas/dates';
import { openConfiguredDatabase } from '../app';

export interface CheckDataOptions {
  source: string;
  from: string;
  to: string;
  json: boolean;
}

export const EXIT_DATA_MISSING = 3;

export async function checkDataCommand(config: Config, opts: CheckDataOptions): Promise<void> {
  if (opts.from > opts.to) throw new Error(`--from ${opts.from} is after --to ${opts.to}`);
  const database = await openConfiguredDatabase(config);
  try {
    const loaded = await ingestedDaysBetween(database.db, opts.source, opts.from, opts.to);
    const missing = missingRanges(loaded, opts.from, opts.to);
    const total = daysBetween(opts.from, opts.to) + 1;
    const backfill = missing.map((r) => `snowpatrol ingest --source ${opts.source} --from ${r.from} --to ${r.to}`);
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ source: opts.source, from: opts.from, to: opts.to, total, missing, backfill }, null, 2)}\n`,
      );
    } else if (missing.length === 0) {
      process.stdout.write(`All ${total} days from ${opts.from} to ${opts.to} are loaded from ${opts.source}.\n`);
    } else {
      const count = missing.reduce((n, r) => n + r.days, 0);
      const lines = [
        `${count} of ${total} days from ${opts.from} to ${opts.to} are not loaded from ${opts.source}:`,
        ...missing.map((r) => `  ${r.from} → ${r.to} (${r.days} day${r.days === 1 ? '' : 's'})`),
        'Back-fill with:',
        ...backfill.map((c) => `  ${c}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    if (missing.length > 0) process.exitCode = EXIT_DATA_MISSING;
  } finally {
    await database.close();
  }
}
