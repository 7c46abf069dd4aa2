/**
 * A WAREHOUSE_METERING_HISTORY export as a metering source. The file is streamed (never loaded whole). `read`
 * streams it twice: once to validate every row, then to yield the rows of the requested days — so a bad row fails
 * the load before anything is written. `readOnePass` checks and yields in one pass, for a caller that stages rows
 * and keeps nothing unless the pass ends.
 *
 * Exports are plain (no quotes, `\n` line ends) almost always, and splitting such a line on commas is 8× faster
 * than csv-parse: the fast path reads plain files. The first line it is not sure of (a quote, a `\r`, a field
 * count that differs from the header's, a line over MAX_CSV_RECORD_SIZE) sends the whole pass back to csv-parse,
 * which reads every CSV and words every error; validation decides which reader the load uses.
 */
import fs from 'node:fs';
import { type Options, parse } from 'csv-parse';
import { addDays, dayToMs } from '../../schemas/dates';
import { InvalidRowError, SourceError } from '../errors';
import { RepeatedStarts } from './repeated-starts';
import { missingColumns, parseMeteringRecord, stringInterner, timestampColumnParser } from './csv-row';
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
      const reader = await validateCsvExport(filePath);
      yield* rowsOfDays(rowBatches(filePath, spec, reader), from, to, batchSize);
    },
    async *readOnePass(from: string, to: string, batchSize: number): AsyncIterable<HourlyMeteringRow[]> {
      await assertReadable(filePath, spec);
      yield* rowsOfDays(checkedRowBatches(filePath, spec), from, to, batchSize);
    },
    /** One streamed pass: the latest END_TIME per account among rows starting in [day − 7, day + 2). */
    async readiness(day: string): Promise<AccountReadiness[]> {
      await assertReadable(filePath, spec);
      const from = dayToMs(addDays(day, -7));
      const to = dayToMs(addDays(day, 2));
      return withReader(async (reader) => {
        const latest = new Map<string, number>();
        for await (const rows of rowBatches(filePath, spec, reader)) {
          for (const row of rows) {
            const start = row.startTime.getTime();
            if (start < from || start >= to || row.warehouseId <= 0) continue;
            const end = row.endTime.getTime();
            if (end > (latest.get(row.account) ?? -Infinity)) latest.set(row.account, end);
          }
        }
        return [...latest].map(([account, end]) => ({ account, latestEnd: new Date(end) }));
      });
    },
  };
}

/** The rows of real warehouses (id > 0) starting on a day in [from, to], re-batched to at most `batchSize`. */
async function* rowsOfDays(
  batches: AsyncIterable<HourlyMeteringRow[]>,
  from: string,
  to: string,
  batchSize: number,
): AsyncIterable<HourlyMeteringRow[]> {
  const fromMs = dayToMs(from);
  const endMs = dayToMs(addDays(to, 1));
  let batch: HourlyMeteringRow[] = [];
  for await (const rows of batches) {
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
}

/**
 * Read the whole export once, writing nothing. Throws a SourceError (unreadable, UTF-16, missing columns, a line
 * over MAX_CSV_RECORD_SIZE) or an InvalidRowError naming the line of the first bad row — or of a row repeating an
 * earlier row's account, warehouse and START_TIME (which of the two is right cannot be known). Memory grows with
 * the warehouses and the span of hours (a bit per warehouse-hour, see RepeatedStarts), never with the length of
 * a line. Returns the reader that read the whole file (`fast` for a plain export), for the load to use.
 */
export async function validateCsvExport(filePath: string): Promise<CsvReader> {
  const spec = `csv:${filePath}`;
  await assertReadable(filePath, spec);
  return withReader(async (reader) => {
    await validateWith(filePath, spec, reader);
    return reader;
  });
}

/** `fast` splits plain lines on commas; `csv-parse` reads any CSV. */
export type CsvReader = 'fast' | 'csv-parse';

/** Thrown by the fast reader at the first line it is not sure of; the pass is run again with csv-parse. */
class NotPlainCsv extends Error {}

/** Run a whole pass with the fast reader, and again with csv-parse when the file turns out not to be plain. */
async function withReader<T>(pass: (reader: CsvReader) => Promise<T>): Promise<T> {
  try {
    return await pass('fast');
  } catch (err) {
    if (!(err instanceof NotPlainCsv)) throw err;
    return pass('csv-parse');
  }
}

async function validateWith(filePath: string, spec: string, reader: CsvReader): Promise<void> {
  const seen = new RepeatedStarts();
  let record = 0;
  for await (const rows of rowBatches(filePath, spec, reader)) {
    for (const row of rows) {
      record++;
      if (seen.repeats(warehouseKey(row), row.startTime.getTime()))
        throw await repeatedRow(filePath, spec, row, record);
    }
  }
}

/**
 * The file's rows in batches, each row checked (parsed, and not repeating an earlier row's start), in one pass. It
 * starts with the fast reader; when a line turns out not to be plain, the rest is read with csv-parse, which reads
 * the file again from the top and skips the records already handed on — so each row comes exactly once either way.
 */
async function* checkedRowBatches(filePath: string, spec: string): AsyncIterable<HourlyMeteringRow[]> {
  const seen = new RepeatedStarts();
  let handedOn = 0;
  const check = async (rows: HourlyMeteringRow[], skip: number): Promise<HourlyMeteringRow[]> => {
    const fresh = skip > 0 ? rows.slice(skip) : rows;
    for (const row of fresh) {
      if (seen.repeats(warehouseKey(row), row.startTime.getTime())) {
        throw await repeatedRow(filePath, spec, row, handedOn + 1);
      }
      handedOn++;
    }
    return fresh;
  };
  try {
    for await (const rows of rowBatches(filePath, spec, 'fast')) yield await check(rows, 0);
    return;
  } catch (err) {
    if (!(err instanceof NotPlainCsv)) throw err;
  }
  let record = 0;
  for await (const rows of rowBatches(filePath, spec, 'csv-parse')) {
    const skip = Math.min(rows.length, Math.max(0, handedOn - record));
    record += rows.length;
    if (skip < rows.length) yield await check(rows, skip);
  }
}

/** The error for `row` (the `record`th, 1-based), which starts when an earlier row of its warehouse did. */
async function repeatedRow(
  filePath: string,
  spec: string,
  row: HourlyMeteringRow,
  record: number,
): Promise<InvalidRowError> {
  const warehouse = warehouseKey(row);
  const first = await firstRecordOf(filePath, spec, warehouse, row.startTime.getTime());
  return new InvalidRowError(
    `repeats line ${await lineOfRecord(filePath, spec, first)}: same ACCOUNT_NAME, WAREHOUSE_ID and START_TIME ` +
      `(${row.account}, ${row.warehouseId}, ${row.startTime.toISOString()})`,
    filePath,
    await lineOfRecord(filePath, spec, record),
  );
}

const warehouseKey = (row: HourlyMeteringRow) => `${row.account}\u0000${row.warehouseId}`;

/** The number (1-based, header excluded) of the first record of this warehouse starting at `startMs`. */
async function firstRecordOf(filePath: string, spec: string, warehouse: string, startMs: number): Promise<number> {
  let record = 0;
  for await (const rows of rowBatches(filePath, spec, 'csv-parse')) {
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

/** The file's rows in batches, each row validated; a bad row throws, naming its line. */
function rowBatches(filePath: string, spec: string, reader: CsvReader): AsyncIterable<HourlyMeteringRow[]> {
  return reader === 'fast' ? plainRowBatches(filePath, spec) : parsedRowBatches(filePath, spec);
}

/**
 * The fast reader: lines split on commas, counted as they go. Throws NotPlainCsv at the first line that is not
 * plain, before any later row is handed on — and the caller's whole pass starts again with csv-parse.
 */
async function* plainRowBatches(filePath: string, spec: string): AsyncIterable<HourlyMeteringRow[]> {
  const stream = fs.createReadStream(filePath, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const times = { start: timestampColumnParser(), end: timestampColumnParser() };
  const intern = stringInterner();
  let columns: string[] | undefined;
  let line = 0;
  let rest = '';
  let batch: HourlyMeteringRow[] = [];
  const take = (text: string): void => {
    line++;
    if (text === '') return;
    if (text.length > MAX_CSV_RECORD_SIZE || text.includes('"') || text.includes('\r')) throw new NotPlainCsv();
    const fields = text.split(',');
    if (!columns) {
      const missing = missingColumns(fields);
      if (missing.length > 0) {
        throw new SourceError(`${filePath} line 1 (the header): missing column(s) ${missing.join(', ')}`, spec);
      }
      columns = fields.map((h) => h.trim().toUpperCase());
      return;
    }
    if (fields.length !== columns.length) throw new NotPlainCsv();
    const record: Record<string, string> = {};
    for (let k = 0; k < fields.length; k++) record[columns[k]] = fields[k];
    const row = parseMeteringRecord(record, CSV_DEFAULT_ACCOUNT, times);
    if (typeof row === 'string') throw new InvalidRowError(row, filePath, line);
    row.account = intern(row.account);
    row.warehouseName = intern(row.warehouseName);
    batch.push(row);
  };
  try {
    let first = true;
    for await (const chunk of stream as AsyncIterable<string>) {
      let text = rest + chunk;
      if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
      let from = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', from)) {
        take(text.slice(from, end));
        from = end + 1;
        if (batch.length >= ROWS_PER_BATCH) {
          yield batch;
          batch = [];
        }
      }
      rest = text.slice(from);
      if (rest.length > MAX_CSV_RECORD_SIZE) throw new NotPlainCsv();
    }
    if (rest !== '') take(rest);
  } catch (err) {
    if (err instanceof SourceError || err instanceof InvalidRowError || err instanceof NotPlainCsv) throw err;
    throw new SourceError(`${filePath}: ${(err as Error).message}`, spec);
  } finally {
    stream.destroy();
  }
  if (!columns) throw new SourceError(`${filePath} is empty (no header row)`, spec);
  if (batch.length > 0) yield batch;
}

/**
 * csv-parse's reader, for any CSV. Line numbers are not tracked while parsing (csv-parse's `info` costs a third of
 * the parse); only a bad row's line is looked up, by parsing again up to it.
 */
async function* parsedRowBatches(filePath: string, spec: string): AsyncIterable<HourlyMeteringRow[]> {
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
