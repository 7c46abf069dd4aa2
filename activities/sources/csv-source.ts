/**
 * A WAREHOUSE_METERING_HISTORY export as a metering source. The file is streamed (never loaded whole) twice:
 * once to validate every row, then to yield the rows of the requested days — so a bad row fails the load
 * before anything is written.
 */
import fs from 'node:fs';
import { type Options, parse } from 'csv-parse';
import { addDays, dayToMs } from '../../schemas/dates';
import { InvalidRowError, SourceError } from '../errors';
import { RepeatedStarts } from './repeated-starts';
import { missingColumns, parseMeteringRecord, timestampColumnParser } from './csv-row';
import type { AccountReadiness, HourlyMeteringRow, MeteringSource } from './metering-source';

/** Account name used when the export has no ACCOUNT_NAME column (an ACCOUNT_USAGE export). */
export const CSV_DEFAULT_ACCOUNT = 'DEFAULT';

/**
 * The longest record read, in characters: a metering row is ~150, so a longer one is not an export, and the parser
 * stops there instead of holding a giant line in memory.
 */
export const MAX_CSV_RECORD_SIZE = 65_536;

export function createCsvSource(filePath: string): MeteringSource {
  const spec = `csv:${filePath}`;
  return {
    spec,
    chunkDays: Number.MAX_SAFE_INTEGER,
    async *read(from: string, to: string, batchSize: number): AsyncIterable<HourlyMeteringRow[]> {
      await validateCsvExport(filePath);
      const fromMs = dayToMs(from);
      const endMs = dayToMs(addDays(to, 1));
      let batch: HourlyMeteringRow[] = [];
      for await (const rows of rowBatches(filePath, spec)) {
        for (const row of rows) {
          const start = row.startTime.getTime();
          if (start < fromMs || start >= endMs || row.warehouseId <= 0) continue;
          batch.push(row);
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
      }
      if (batch.length > 0) yield batch;
    },
    /** One streamed pass: the latest END_TIME per account among rows starting in [day − 7, day + 2). */
    async readiness(day: string): Promise<AccountReadiness[]> {
      await assertReadable(filePath, spec);
      const from = dayToMs(addDays(day, -7));
      const to = dayToMs(addDays(day, 2));
      const latest = new Map<string, number>();
      for await (const rows of rowBatches(filePath, spec)) {
        for (const row of rows) {
          const start = row.startTime.getTime();
          if (start < from || start >= to || row.warehouseId <= 0) continue;
          const end = row.endTime.getTime();
          if (end > (latest.get(row.account) ?? -Infinity)) latest.set(row.account, end);
        }
      }
      return [...latest].map(([account, end]) => ({ account, latestEnd: new Date(end) }));
    },
  };
}

/**
 * Read the whole export once, writing nothing. Throws a SourceError (unreadable, UTF-16, missing columns, a line
 * over MAX_CSV_RECORD_SIZE) or an InvalidRowError naming the line of the first bad row — or of a row repeating an
 * earlier row's account, warehouse and START_TIME (which of the two is right cannot be known). Memory grows with
 * the warehouses and the span of hours (a bit per warehouse-hour, see RepeatedStarts), never with the length of
 * a line.
 */
export async function validateCsvExport(filePath: string): Promise<void> {
  const spec = `csv:${filePath}`;
  await assertReadable(filePath, spec);
  const seen = new RepeatedStarts();
  let record = 0;
  for await (const rows of rowBatches(filePath, spec)) {
    for (const row of rows) {
      record++;
      const warehouse = warehouseKey(row);
      if (!seen.repeats(warehouse, row.startTime.getTime())) continue;
      const first = await firstRecordOf(filePath, spec, warehouse, row.startTime.getTime());
      throw new InvalidRowError(
        `repeats line ${await lineOfRecord(filePath, spec, first)}: same ACCOUNT_NAME, WAREHOUSE_ID and START_TIME ` +
          `(${row.account}, ${row.warehouseId}, ${row.startTime.toISOString()})`,
        filePath,
        await lineOfRecord(filePath, spec, record),
      );
    }
  }
}

const warehouseKey = (row: HourlyMeteringRow) => `${row.account}\u0000${row.warehouseId}`;

/** The number (1-based, header excluded) of the first record of this warehouse starting at `startMs`. */
async function firstRecordOf(filePath: string, spec: string, warehouse: string, startMs: number): Promise<number> {
  let record = 0;
  for await (const rows of rowBatches(filePath, spec)) {
    for (const row of rows) {
      record++;
      if (row.startTime.getTime() === startMs && warehouseKey(row) === warehouse) return record;
    }
  }
  return 0;
}

async function assertReadable(filePath: string, spec: string): Promise<void> {
  let head: Buffer;
  try {
    const stat = await fs.promises.stat(filePath);
    if (!stat.isFile()) throw new SourceError(`${filePath} is not a file`, spec);
    const file = await fs.promises.open(filePath, 'r');
    try {
      head = (await file.read(Buffer.alloc(2), 0, 2, 0)).buffer;
    } finally {
      await file.close();
    }
  } catch (err) {
    if (err instanceof SourceError) throw err;
    throw new SourceError(`cannot read ${filePath}: ${(err as Error).message}`, spec);
  }
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw new SourceError(
      `${filePath} is UTF-16 text (it starts with a UTF-16 byte order mark): save it as UTF-8`,
      spec,
    );
  }
}

/** Rows handed on together: per-row async iteration costs more than parsing the row. */
const ROWS_PER_BATCH = 1000;

function parserOptions(filePath: string, spec: string, info: boolean, onHeader = () => {}): Options {
  return {
    columns: (header: string[]) => {
      const missing = missingColumns(header);
      if (missing.length > 0) {
        throw new SourceError(`${filePath} line 1 (the header): missing column(s) ${missing.join(', ')}`, spec);
      }
      onHeader();
      return header.map((h) => h.trim().toUpperCase());
    },
    skip_empty_lines: true,
    bom: true,
    info,
    max_record_size: MAX_CSV_RECORD_SIZE,
  };
}

/**
 * The file's rows in batches, each row validated; a bad row throws, naming its line. Line numbers are not tracked
 * while parsing (csv-parse's `info` costs a third of the parse); only a bad row's line is looked up, by parsing
 * again up to it.
 */
async function* rowBatches(filePath: string, spec: string): AsyncIterable<HourlyMeteringRow[]> {
  let headerSeen = false;
  const parser = fs
    .createReadStream(filePath)
    .pipe(parse(parserOptions(filePath, spec, false, () => (headerSeen = true))));
  let records = 0;
  let batch: HourlyMeteringRow[] = [];
  const times = { start: timestampColumnParser(), end: timestampColumnParser() };
  try {
    for await (const record of parser as AsyncIterable<Record<string, string>>) {
      records++;
      const row = parseMeteringRecord(record, CSV_DEFAULT_ACCOUNT, times);
      if (typeof row === 'string')
        throw new InvalidRowError(row, filePath, await lineOfRecord(filePath, spec, records));
      batch.push(row);
      if (batch.length >= ROWS_PER_BATCH) {
        yield batch;
        batch = [];
      }
    }
  } catch (err) {
    if (err instanceof SourceError || err instanceof InvalidRowError) throw err;
    const csv = err as Error & { code?: string; lines?: number };
    if (csv.code === 'CSV_MAX_RECORD_SIZE') {
      throw new SourceError(
        `${filePath} line ${csv.lines}: longer than ${MAX_CSV_RECORD_SIZE} characters, so not a metering row ` +
          '(is this a WAREHOUSE_METERING_HISTORY export?)',
        spec,
      );
    }
    throw new SourceError(`${filePath}: ${csv.message}`, spec);
  } finally {
    parser.destroy();
  }
  if (!headerSeen) throw new SourceError(`${filePath} is empty (no header row)`, spec);
  if (batch.length > 0) yield batch;
}

/** The line on which the `n`th record (1-based, header excluded) ends. */
async function lineOfRecord(filePath: string, spec: string, n: number): Promise<number> {
  const parser = fs.createReadStream(filePath).pipe(parse(parserOptions(filePath, spec, true)));
  let seen = 0;
  try {
    for await (const { info } of parser as AsyncIterable<{ info: { lines: number } }>) {
      if (++seen === n) return info.lines;
    }
  } finally {
    parser.destroy();
  }
  return 0;
}
