/**
 * A WAREHOUSE_METERING_HISTORY export as a metering source. The file is streamed (never loaded whole) twice:
 * once to validate every row, then to yield the rows of the requested days — so a bad row fails the load
 * before anything is written.
 */
import fs from 'node:fs';
import { parse } from 'csv-parse';
import { addDays, dayToMs, toIsoDay } from '../../schemas/dates';
import { InvalidRowError, SourceError } from '../errors';
import { missingColumns, parseMeteringRecord } from './csv-row';
import type { AccountReadiness, HourlyMeteringRow, MeteringSource } from './metering-source';

/** Account name used when the export has no ACCOUNT_NAME column (an ACCOUNT_USAGE export). */
export const CSV_DEFAULT_ACCOUNT = 'DEFAULT';

export function createCsvSource(filePath: string): MeteringSource {
  const spec = `csv:${filePath}`;
  return {
    spec,
    chunkDays: Number.MAX_SAFE_INTEGER,
    async *read(from: string, to: string, batchSize: number): AsyncIterable<HourlyMeteringRow[]> {
      await assertReadable(filePath, spec);
      for await (const _ of records(filePath, spec)) {
        // first pass: validation only; `records` throws on the first bad row
      }
      let batch: HourlyMeteringRow[] = [];
      for await (const row of records(filePath, spec)) {
        const day = toIsoDay(row.startTime);
        if (day < from || day > to || row.warehouseId <= 0) continue;
        batch.push(row);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
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
      for await (const row of records(filePath, spec)) {
        const start = row.startTime.getTime();
        if (start < from || start >= to || row.warehouseId <= 0) continue;
        const end = row.endTime.getTime();
        if (end > (latest.get(row.account) ?? -Infinity)) latest.set(row.account, end);
      }
      return [...latest].map(([account, end]) => ({ account, latestEnd: new Date(end) }));
    },
  };
}

async function assertReadable(filePath: string, spec: string): Promise<void> {
  try {
    const stat = await fs.promises.stat(filePath);
    if (!stat.isFile()) throw new SourceError(`${filePath} is not a file`, spec);
  } catch (err) {
    if (err instanceof SourceError) throw err;
    throw new SourceError(`cannot read ${filePath}: ${(err as Error).message}`, spec);
  }
}

async function* records(filePath: string, spec: string): AsyncIterable<HourlyMeteringRow> {
  let headerChecked = false;
  const parser = fs.createReadStream(filePath).pipe(
    parse({
      columns: (header: string[]) => {
        const missing = missingColumns(header);
        if (missing.length > 0) {
          throw new SourceError(`${filePath}: missing column(s) ${missing.join(', ')}`, spec);
        }
        headerChecked = true;
        return header.map((h) => h.trim().toUpperCase());
      },
      skip_empty_lines: true,
      bom: true,
      info: true,
    }),
  );
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      const row = parseMeteringRecord(record, CSV_DEFAULT_ACCOUNT);
      if (typeof row === 'string') throw new InvalidRowError(row, filePath, info.lines);
      yield row;
    }
  } catch (err) {
    if (err instanceof SourceError || err instanceof InvalidRowError) throw err;
    throw new SourceError(`${filePath}: ${(err as Error).message}`, spec);
  } finally {
    parser.destroy();
  }
  if (!headerChecked) throw new SourceError(`${filePath} is empty (no header row)`, spec);
}
