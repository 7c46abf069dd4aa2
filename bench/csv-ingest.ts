/**
 * The CSV load on its own (issue 8's ingest target): a full-duty export of N warehouses × D days is written to a
 * temporary file, then the real extract activity (heartbeats, one pass that reads, checks and COPYs into a stage,
 * then the merge into the metering tables) loads it into a fresh database on the Postgres at
 * SNOWPATROL_BENCH_ADMIN_URL. Prints the time of a read-and-check pass alone (the reader's speed), of the whole load,
 * rows per second, and the RSS of this process; the database and the file are removed at the end.
 *
 *   npm run bench:csv-ingest -- [--warehouses 1000] [--days 180]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MockActivityEnvironment } from '@temporalio/testing';
import postgres from 'postgres';
import { createIngestActivities, type ExtractMeteringResult } from '../activities/ingest-activities';
import { openSource } from '../activities/sources';
import { validateCsvExport } from '../activities/sources/csv-source';
import { openDatabase } from '../activities/store/database';
import { CSV_HEADER, csvLine } from './pipeline-org';
import { BENCH_FROM, lastDay, syntheticRows } from './synthetic-org';

const ADMIN_URL = process.env.SNOWPATROL_BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function wholeNumber(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number ≥ 1, got "${value}"`);
  return n;
}

async function writeExport(file: string, warehouses: number, days: number): Promise<number> {
  const out = fs.createWriteStream(file);
  let rows = 0;
  let chunk = CSV_HEADER;
  for (const row of syntheticRows(warehouses, days)) {
    chunk += csvLine(row);
    rows++;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return rows;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { warehouses: { type: 'string', default: '1000' }, days: { type: 'string', default: '180' } },
  });
  const warehouses = wholeNumber('warehouses', values.warehouses);
  const days = wholeNumber('days', values.days);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-csv-ingest-'));
  const file = path.join(dir, 'metering.csv');
  const name = `snowpatrol_bench_csv_${process.pid}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => undefined });
  try {
    process.stderr.write(`writing ${warehouses} warehouses × ${days} days…\n`);
    const rows = await writeExport(file, warehouses, days);
    const mb = fs.statSync(file).size / 2 ** 20;
    await admin.unsafe(`create database ${name}`);
    const database = await openDatabase({ databaseUrl: ADMIN_URL.replace(/\/[^/]*$/, `/${name}`) });
    try {
      let t = process.hrtime.bigint();
      const reader = await validateCsvExport(file);
      const validateSeconds = Number(process.hrtime.bigint() - t) / 1e9;
      const rssStart = process.memoryUsage().rss;
      let rssPeak = rssStart;
      const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
      const activities = createIngestActivities({
        db: database.db,
        openSource: (spec, context) => openSource(spec, { demoSeed: 0, cwd: dir, ...context }),
        defaultSource: `csv:${file}`,
      });
      process.stderr.write(`loading ${rows} rows (${mb.toFixed(0)} MB)…\n`);
      t = process.hrtime.bigint();
      const result: ExtractMeteringResult = await new MockActivityEnvironment().run(
        activities.extractWarehouseMetering,
        {
          source: `csv:${file}`,
          from: BENCH_FROM,
          to: lastDay(days),
        },
      );
      const seconds = Number(process.hrtime.bigint() - t) / 1e9;
      clearInterval(sampler);
      const line = (label: string, value: string) => `${label.padEnd(28)} ${value}\n`;
      process.stdout.write(
        line('rows', `${result.rowsRead} (${mb.toFixed(0)} MB, reader: ${reader})`) +
          line(
            'read + check pass alone',
            `${validateSeconds.toFixed(1)} s (${Math.round(rows / validateSeconds)} rows/s)`,
          ) +
          line('whole load', `${seconds.toFixed(1)} s`) +
          line('ingest rate', `${Math.round(result.rowsRead / seconds)} rows/s`) +
          line('rows upserted', String(result.rowsUpserted)) +
          line('RSS start → peak', `${(rssStart / 2 ** 20).toFixed(0)} → ${(rssPeak / 2 ** 20).toFixed(0)} MB`),
      );
    } finally {
      await database.close();
    }
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => undefined);
    await admin.end();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
