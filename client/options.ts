/** Commander argument parsers that reject bad values with a message naming the flag. */
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { openSource } from '../activities/sources';
import { validateCsvExport } from '../activities/sources/csv-source';
import type { Config } from '../schemas/config';
import { isIsoDate, addDays, dayOutOfRange, daysBetween, toIsoDay } from '../schemas/dates';
import { FEEDBACK_VERDICTS, type FeedbackVerdict } from '../activities/store/feedback-store';
import { COST_DIMENSIONS, type CostDimension } from '../schemas/attribution';
import { DIRECTIONS, type Directions } from '../schemas/detection-config';
import { sourceSpec } from '../schemas/inputs';

/** A day from EARLIEST_DAY to today (UTC), written YYYY-MM-DD. */
export function dateArg(value: string): string {
  if (!isIsoDate(value)) throw new InvalidArgumentError(`expected a date like 2026-11-20, got "${value}"`);
  const outOfRange = dayOutOfRange(value, toIsoDay(Date.now()));
  if (outOfRange) throw new InvalidArgumentError(outOfRange);
  return value;
}

/** `--from` must not be after `--to`, nor (with `maxDays`) the range longer than `maxDays` days. */
export function checkDayRange(from: string, to: string, maxDays?: number): void {
  if (from > to) throw new Error(`--from ${from} is after --to ${to}`);
  const days = daysBetween(from, to) + 1;
  if (maxDays !== undefined && days > maxDays) {
    throw new Error(`--from ${from} → --to ${to} is ${days} days; at most ${maxDays} at once`);
  }
}

export function intArg(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, got "${value}"`);
    }
    return n;
  };
}

export function sourceArg(value: string): string {
  const parsed = sourceSpec.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0].message);
  return value;
}

/**
 * A source the in-process worker will read is checked before anything starts — a `csv:` export read through, a
 * `snowflake` source configured — so a bad one is named now instead of failing (and alerting) a started workflow.
 */
export async function checkLocalSource(spec: string, config: Config): Promise<void> {
  if (spec.startsWith('csv:')) await validateCsvExport(path.resolve(process.cwd(), spec.slice(4)));
  // Without settings, openSource throws the error naming the SNOWFLAKE_* variables needed (and opens nothing).
  if (spec === 'snowflake' && !config.snowflake) openSource(spec, { demoSeed: config.demoSeed, cwd: process.cwd() });
}

export function directionsArg(value: string): Directions {
  if (!DIRECTIONS.includes(value as Directions)) {
    throw new InvalidArgumentError(`expected one of ${DIRECTIONS.join(', ')}, got "${value}"`);
  }
  return value as Directions;
}

export function verdictArg(value: string): FeedbackVerdict {
  if (!FEEDBACK_VERDICTS.includes(value as FeedbackVerdict)) {
    throw new InvalidArgumentError(`verdict must be one of ${FEEDBACK_VERDICTS.join(', ')}, got "${value}"`);
  }
  return value as FeedbackVerdict;
}

/** A dimension of cost attribution (`--by`): one of COST_DIMENSIONS. */
export function dimensionArg(value: string): CostDimension {
  if (!COST_DIMENSIONS.includes(value as CostDimension)) {
    throw new InvalidArgumentError(`expected one of ${COST_DIMENSIONS.join(', ')}, got "${value}"`);
  }
  return value as CostDimension;
}

/** A warehouse as snowpatrol keys it: `ACCOUNT.WAREHOUSE_NAME`. */
export function warehouseArg(value: string): string {
  if (!/^[^.\s]+\.\S+$/.test(value)) {
    throw new InvalidArgumentError(`expected ACCOUNT.WAREHOUSE (e.g. ACME_PROD.ETL_WH), got "${value}"`);
  }
  return value;
}

/** A model version number: `3` or `v3`. */
export function versionArg(value: string): number {
  return intArg(1, 1_000_000)(value.replace(/^v/i, ''));
}

/** Yesterday, UTC: the default as-of day (the last complete day). */
export function yesterday(): string {
  return addDays(toIsoDay(Date.now()), -1);
}

/** Progress goes to stderr so `--json` output on stdout stays machine-readable. */
export const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** A command's result on stdout: JSON with `--json`, else the human-readable text. */
export function printResult(json: boolean, value: unknown, text: string | (() => string)): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${typeof text === 'string' ? text : text()}\n`);
}
