/**
 * Benchmark: hourly metering rows from the Snowflake emulator, through the real snowflake-sdk driver and the
 * real extract activity, into Postgres — rows/s and the worker's peak RSS at each size.
 *
 *   npm run bench:snowflake -- [--rows 1000000,5000000] [--warehouses 1000]
 *
 * Needs the Postgres at SNOWPATROL_BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres); each
 * size gets a fresh database, dropped afterwards. Prints a table and writes bench/results/snowflake-ingest-*.json.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import postgres from 'postgres';
import { daysFor } from './synthetic-org';

const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const ADMIN_URL = process.env.SNOWPATROL_BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** Spawn a tsx script; resolve with its first stdout line parsed as JSON, and the child. */
function firstJsonLine(script: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(
    TSX,
    [
      ...(process.env.BENCH_PROFILE && script === process.env.BENCH_PROFILE_SCRIPT
        ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE]
        : []),
      path.join(__dirname, script),
      ...args,
    ],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = new Promise<Record<string, number | string>>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', (l) => resolve(JSON.parse(l)));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before reporting`)));
  });
  return { child, line };
}

async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `snowpatrol_bench_${process.pid}_${Date.now()}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database ${name}`);
  try {
    return await fn(ADMIN_URL.replace(/\/[^/]*$/, `/${name}`));
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

type SizeResult = Record<string, number | string>;

async function runSize(rows: number, warehouses: number): Promise<SizeResult> {
  const days = daysFor(rows, warehouses);
  process.stderr.write(`\n== ${rows.toLocaleString()} rows: ${warehouses} warehouses × ${days} days × 24 h\n`);
  const emulator = firstJsonLine('emulator-process.ts', [String(rows), String(warehouses)], process.env);
  try {
    const served = await emulator.line;
    process.stderr.write(`emulator loaded ${served.loaded} rows in ${Number(served.loadSeconds).toFixed(1)} s\n`);
    return await withDatabase(async (databaseUrl) => {
      const ingest = firstJsonLine('ingest-process.ts', [String(days)], {
        ...process.env,
        DATABASE_URL: databaseUrl,
        EMULATOR_URL: String(served.url),
        EMULATOR_ACCOUNT: String(served.account),
        SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
        SF_TELEMETRY_DISABLE_CONNECTION_SHAPE: '1',
      });
      const result = await ingest.line;
      await new Promise((r) => ingest.child.once('exit', r));
      return { warehouses, emulatorLoadSeconds: Number(served.loadSeconds), ...result };
    });
  } finally {
    emulator.child.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  const sizes = arg('rows', '1000000,5000000').split(',').map(Number);
  const warehouses = Number(arg('warehouses', '1000'));
  const results = [];
  for (const rows of sizes) results.push(await runSize(rows, warehouses));

  const header = ['rows', 'days', 'seconds', 'rows/s', 'RSS start MB', 'RSS peak MB'];
  const lines = results.map((r) => [
    Number(r.rows).toLocaleString(),
    String(r.days),
    Number(r.seconds).toFixed(1),
    Math.round(Number(r.rowsPerSecond)).toLocaleString(),
    Number(r.rssStartMB).toFixed(0),
    Number(r.rssPeakMB).toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  process.stdout.write(`\nSnowflake ingest (emulator → snowflake-sdk → Postgres), ${warehouses} warehouses\n`);
  process.stdout.write(`${[fmt(header), ...lines.map(fmt)].join('\n')}\n`);
  if (results.length > 1) {
    const growth = Number(results[results.length - 1].rssPeakMB) - Number(results[0].rssPeakMB);
    process.stdout.write(`peak RSS growth from the smallest to the largest size: ${growth.toFixed(0)} MB\n`);
  }
  const file = path.join(
    __dirname,
    'results',
    `snowflake-ingest-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ machine: { cpus: os.cpus().length }, results }, null, 2)}\n`);
  process.stdout.write(`results: ${path.relative(ROOT, file)}\n`);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
