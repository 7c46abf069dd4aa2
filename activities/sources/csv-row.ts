/** Parsing one WAREHOUSE_METERING_HISTORY CSV record (Snowflake's column names) into a typed row. */
import { isIsoDate } from '../../schemas/dates';
import type { HourlyMeteringRow } from './metering-source';

export const REQUIRED_COLUMNS = [
  'START_TIME',
  'END_TIME',
  'WAREHOUSE_ID',
  'WAREHOUSE_NAME',
  'CREDITS_USED',
  'CREDITS_USED_COMPUTE',
  'CREDITS_USED_CLOUD_SERVICES',
] as const;

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Parse Snowflake's exported timestamps (`2026-11-20 07:00:00.000 -0800`, ISO 8601); no offset means UTC. */
export function parseSnowflakeTimestamp(text: string): Date | undefined {
  const m = TIMESTAMP.exec(text.trim());
  // Date() rolls 2026-02-30 over to March 2 and 24:00 to the next day: a day or hour that does not exist is no time.
  if (!m || !isIsoDate(m[1]) || Number(m[2].slice(0, 2)) > 23) return undefined;
  let offset = m[3] ?? 'Z';
  if (/^[+-]\d{4}$/.test(offset)) offset = `${offset.slice(0, 3)}:${offset.slice(3)}`;
  const time = m[2].length === 5 ? `${m[2]}:00` : m[2];
  const date = new Date(`${m[1]}T${time.slice(0, 12)}${offset.toUpperCase()}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * A string that holds its own characters. A field cut out of a large chunk of file text with slice() or split()
 * keeps the whole chunk alive for as long as it lives; what is kept longer than a row (a map key) is copied.
 */
export function ownCopy(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

/**
 * The same string for the same text, copied once (see ownCopy): account and warehouse names repeat on every row,
 * and rows outlive the file text they were cut from (a batch being written, a set of warehouse names).
 */
export function stringInterner(limit = 100_000): (text: string) => string {
  const known = new Map<string, string>();
  return (text) => {
    let own = known.get(text);
    if (own === undefined) {
      if (known.size >= limit) known.clear();
      own = ownCopy(text);
      known.set(own, own);
    }
    return own;
  };
}

/**
 * Distinct timestamps a column parser remembers before it starts over: 7.5 years of hours (~6 MB at most). An
 * export lists every warehouse's hours one warehouse after another, so a memory shorter than the file's span of
 * hours would forget each text before it came again.
 */
const REMEMBERED_TIMESTAMPS = 65_536;

/**
 * A timestamp parser for one column of one pass that remembers its answers: an export has one START_TIME per hour
 * for all its warehouses, in whatever order its rows come, so parsing (and checking the calendar day) once per
 * distinct text is enough.
 */
export function timestampColumnParser(): (text: string) => Date | undefined {
  const known = new Map<string, number | undefined>();
  return (text) => {
    let ms = known.get(text);
    if (ms === undefined && !known.has(text)) {
      if (known.size >= REMEMBERED_TIMESTAMPS) known.clear();
      ms = parseSnowflakeTimestamp(text)?.getTime();
      known.set(ownCopy(text), ms);
    }
    return ms === undefined ? undefined : new Date(ms);
  };
}

export interface TimestampParsers {
  start(text: string): Date | undefined;
  end(text: string): Date | undefined;
}

const STATELESS: TimestampParsers = { start: parseSnowflakeTimestamp, end: parseSnowflakeTimestamp };

/** Problems with a header row, or [] when all required columns are present. */
export function missingColumns(header: string[]): string[] {
  const have = new Set(header.map((h) => h.trim().toUpperCase()));
  return REQUIRED_COLUMNS.filter((c) => !have.has(c));
}

/**
 * Turn a record (keys already upper-cased) into a row, or return a message naming the bad column.
 * `defaultAccount` is used when the export has no ACCOUNT_NAME column (ACCOUNT_USAGE exports).
 */
export function parseMeteringRecord(
  record: Record<string, string>,
  defaultAccount: string,
  times: TimestampParsers = STATELESS,
): HourlyMeteringRow | string {
  const startTime = times.start(record.START_TIME ?? '');
  if (!startTime) return `START_TIME ${JSON.stringify(record.START_TIME)} is not a timestamp`;
  const endTime = times.end(record.END_TIME ?? '');
  if (!endTime) return `END_TIME ${JSON.stringify(record.END_TIME)} is not a timestamp`;
  if (endTime <= startTime) return 'END_TIME is not after START_TIME';
  const warehouseId = Number(record.WAREHOUSE_ID);
  if (!Number.isSafeInteger(warehouseId))
    return `WAREHOUSE_ID ${JSON.stringify(record.WAREHOUSE_ID)} is not an integer`;
  const warehouseName = (record.WAREHOUSE_NAME ?? '').trim();
  if (!warehouseName) return 'WAREHOUSE_NAME is empty';
  // Bytes that are not UTF-8 decode to U+FFFD: the name would be stored garbled, under a key no alert matches.
  if (warehouseName.includes('\uFFFD')) return notUtf8('WAREHOUSE_NAME', warehouseName);
  const creditsUsed = credits(record, 'CREDITS_USED', false);
  if (typeof creditsUsed === 'string') return creditsUsed;
  const creditsUsedCompute = credits(record, 'CREDITS_USED_COMPUTE', false);
  if (typeof creditsUsedCompute === 'string') return creditsUsedCompute;
  // Snowflake's cloud-services adjustments can make this one negative.
  const creditsUsedCloudServices = credits(record, 'CREDITS_USED_CLOUD_SERVICES', true);
  if (typeof creditsUsedCloudServices === 'string') return creditsUsedCloudServices;
  const account = (record.ACCOUNT_NAME ?? '').trim() || defaultAccount;
  if (account.includes('\uFFFD')) return notUtf8('ACCOUNT_NAME', account);
  return {
    account,
    warehouseId,
    warehouseName,
    startTime,
    endTime,
    creditsUsed,
    creditsUsedCompute,
    creditsUsedCloudServices,
  };
}

/** A credits column as a finite number, or the message naming what is wrong with it. */
function credits(record: Record<string, string>, column: string, negativeAllowed: boolean): number | string {
  const raw = (record[column] ?? '').trim();
  const value = raw === '' ? NaN : Number(raw);
  if (!Number.isFinite(value)) return `${column} ${JSON.stringify(record[column])} is not a number`;
  if (value < 0 && !negativeAllowed) return `${column} ${JSON.stringify(record[column])} is negative`;
  return value;
}

function notUtf8(column: string, value: string): string {
  return `${column} ${JSON.stringify(value)} is not UTF-8 text (save the export as UTF-8, e.g. CSV UTF-8 in Excel)`;
}
