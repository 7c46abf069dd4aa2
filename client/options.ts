/** Commander argument parsers that reject bad values with a message naming the flag. */
import { InvalidArgumentError } from 'commander';
import { isIsoDate, addDays, toIsoDay } from '../schemas/dates';
import { sourceSpec } from '../schemas/inputs';

export function dateArg(value: string): string {
  if (!isIsoDate(value)) throw new InvalidArgumentError(`expected a date like 2026-11-20, got "${value}"`);
  return value;
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

/** Yesterday, UTC: the default as-of day (the last complete day). */
export function yesterday(): string {
  return addDays(toIsoDay(Date.now()), -1);
}

/** Progress goes to stderr so `--json` output on stdout stays machine-readable. */
export const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
