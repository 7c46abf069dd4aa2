/**
 * The one-pass CSV load into the real Postgres (COPY into an UNLOGGED stage, merged in time ranges): it writes what
 * the batched-upsert load writes, re-loads exactly, leaves nothing behind from a file with a bad row, resumes after
 * a retry, and sweeps the stages of dead backends.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import fs from 'node:fs';
import postgres from 'postgres';
import { InvalidRowError } from '../../activities/errors';
import {
  createIngestActivities,
  type ExtractHeartbeat,
  type ExtractMeteringResult,
} from '../../activities/ingest-activities';
import { openSource } from '../../activities/sources';
import { createCsvSource } from '../../activities/sources/csv-source';
import { openDatabase, type Database } from '../../activities/store/database';
import { refreshDaily, upsertHourly } from '../../activities/store/metering-store';
import { meteringStager } from '../../activities/store/metering-stage';
import { dayRanges } from '../../activities/staged-extract';
import { daysBetween } from '../../schemas/dates';
import { csvRow, csvText, writeFile, type CsvMeteringRow } from '../fixtures/csv-export';
import { tempDir } from '../fixtures/temp-dir';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';

const FROM = '2026-01-01';
const TO = '2026-03-31';
const DAYS = 90;
const WAREHOUSES = 5;

let dir: string;
let testDb: TestDatabase;
let database: Database;
let sql: postgres.Sql;

beforeAll(async () => {
  dir = tempDir();
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.url });
  sql = postgres(testDb.url, { max: 2, onnotice: () => undefined });
});

afterAll(async () => {
  await sql?.end();
  await database?.close();
  await testDb?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await sql`truncate metering_hourly, metering_daily, ingested_days`;
});

/** Every hour of `WAREHOUSES` warehouses over the 90 days, warehouse by warehouse (how exports often come). */
function exportRows(): CsvMeteringRow[] {
  const rows: CsvMeteringRow[] = [];
  for (let wh = 0; wh < WAREHOUSES; wh++) {
    for (let h = 0; h < DAYS * 24; h++) {
      const start = Date.UTC(2026, 0, 1) + h * 3_600_000;
      const compute = ((h * 7 + wh * 13) % 50) / 8 + 0.000000001 * wh;
      rows.push(
        csvRow(FROM, {
          ACCOUNT_NAME: wh < 3 ? 'ACME_PROD' : 'ACME\tDEV', // a tab in a name: COPY's text format must escape it
          START_TIME: new Date(start).toISOString(),
          END_TIME: new Date(start + 3_600_000).toISOString(),
          WAREHOUSE_ID: String(100 + wh),
          WAREHOUSE_NAME: wh === 4 ? 'WH\\BACK' : `WH_${wh}`,
          CREDITS_USED: (compute * 1.06).toFixed(9),
          CREDITS_USED_COMPUTE: compute.toFixed(9),
          CREDITS_USED_CLOUD_SERVICES: (compute * 0.06).toFixed(9),
        }),
      );
    }
  }
  return rows;
}

function activities(db: Database['db']) {
  return createIngestActivities({
    db,
    openSource: (spec, context) => openSource(spec, { demoSeed: 0, cwd: dir, ...context }),
    defaultSource: 'demo',
  });
}

function extract(file: string, heartbeats: ExtractHeartbeat[] = [], resumeFrom?: ExtractHeartbeat) {
  const env = new MockActivityEnvironment({ heartbeatDetails: resumeFrom });
  env.on('heartbeat', (d: ExtractHeartbeat) => heartbeats.push(structuredClone(d)));
  return env.run(activities(database.db).extractWarehouseMetering, {
    source: `csv:${file}`,
    from: FROM,
    to: TO,
  }) as Promise<ExtractMeteringResult>;
}

async function hourlyDigest(): Promise<{ rows: number; digest: string }> {
  const [row] = await sql<{ rows: number; digest: string }[]>`
    select count(*)::int as rows, md5(string_agg(concat_ws('|', account, warehouse_id, warehouse_name, start_time,
      end_time, credits_used, credits_used_compute, credits_used_cloud_services, source), ','
      order by start_time, account, warehouse_id)) as digest from metering_hourly`;
  return { rows: row.rows, digest: row.digest };
}

const dailyRows = () =>
  sql`select account, warehouse_name, usage_date::text, credits_used::text, hours_metered from metering_daily
      order by 1, 2, 3`;

const stageTables = () =>
  sql<{ name: string }[]>`select relname as name from pg_class where relname like 'metering\\_stage\\_%'`;

test('the COPY path is chosen for a postgres.js database only (PGlite keeps the batched upserts)', () => {
  expect(meteringStager(database.db)).toBeInstanceOf(Function);
  const pgliteLike = { $client: { query: () => undefined, exec: () => undefined } } as unknown as Database['db'];
  expect(meteringStager(pgliteLike)).toBeUndefined();
});

test('it writes exactly what the batched-upsert load writes, and an exact re-load writes nothing', async () => {
  const file = writeFile(dir, 'export.csv', csvText(exportRows()));
  const heartbeats: ExtractHeartbeat[] = [];
  const result = await extract(file, heartbeats);
  expect(result).toEqual({
    rowsRead: WAREHOUSES * DAYS * 24,
    rowsUpserted: WAREHOUSES * DAYS * 24,
    days: DAYS,
    warehouses: 5,
  });
  expect(await stageTables()).toEqual([]);
  const staged = { hourly: await hourlyDigest(), daily: await dailyRows() };
  expect(staged.hourly.rows).toBe(WAREHOUSES * DAYS * 24);

  // The same file through the batched upserts (the path PGlite and the per-day sources take).
  await sql`truncate metering_hourly, metering_daily, ingested_days`;
  for await (const batch of createCsvSource(file).read(FROM, TO, 2000)) {
    await upsertHourly(database.db, batch, `csv:${file}`);
  }
  await refreshDaily(database.db, FROM, TO);
  expect(await hourlyDigest()).toEqual(staged.hourly);
  expect(await dailyRows()).toEqual(staged.daily);

  await sql`truncate metering_hourly, metering_daily, ingested_days`;
  await extract(file);
  const names = await sql`select distinct account, warehouse_name from metering_hourly order by 1, 2`;
  expect(names.map((r) => `${r.account}/${r.warehouse_name}`)).toContain('ACME\tDEV/WH\\BACK');

  // The last heartbeat is the whole window, with the counts.
  expect(heartbeats.at(-1)).toMatchObject({ completedThrough: TO, rowsRead: WAREHOUSES * DAYS * 24 });

  const again = await extract(file);
  expect(again).toMatchObject({ rowsRead: WAREHOUSES * DAYS * 24, rowsUpserted: 0 });

  // One changed hour is the only row written by the next load (the range is occupied: the upsert merge).
  const rows = exportRows();
  rows[1000] = { ...rows[1000], CREDITS_USED: '99.000000000' };
  const changed = writeFile(dir, 'changed.csv', csvText(rows));
  const third = await extract(changed);
  expect(third).toMatchObject({ rowsUpserted: 1 });
  const [hour] = await sql`select credits_used::text from metering_hourly where start_time = ${rows[1000].START_TIME}
    and warehouse_id = 100`;
  expect(hour.credits_used).toBe('99.000000000');
});

test('a bad row at the end of the file leaves every metering table untouched and no stage behind', async () => {
  const good = writeFile(dir, 'first.csv', csvText(exportRows().slice(0, 2000)));
  await extract(good);
  const before = { hourly: await hourlyDigest(), daily: await dailyRows() };

  const rows = exportRows();
  rows[rows.length - 1] = { ...rows[rows.length - 1], CREDITS_USED_COMPUTE: 'n/a' };
  const bad = writeFile(dir, 'bad.csv', csvText(rows));
  const err = await extract(bad).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidRowError);
  expect((err as InvalidRowError).line).toBe(rows.length + 1);
  expect(await hourlyDigest()).toEqual(before.hourly);
  expect(await dailyRows()).toEqual(before.daily);
  expect(await stageTables()).toEqual([]);
});

test('each checkpoint covers the ranges merged so far, and a retry resumes after it with the counts carried on', async () => {
  const file = writeFile(dir, 'export.csv', csvText(exportRows()));
  const heartbeats: ExtractHeartbeat[] = [];
  await extract(file, heartbeats);
  // Ranges merge two at a time and finish in either order: whatever checkpoints were taken, each holds the rows
  // of exactly the days it claims, and the last claims the whole window.
  const ranges = dayRanges(FROM, TO, 4);
  const claimed = heartbeats.filter((h) => h.completedThrough >= FROM);
  expect(claimed.at(-1)?.completedThrough).toBe(TO);
  for (const h of claimed) {
    expect(ranges.map((r) => r.to)).toContain(h.completedThrough);
    expect(h.rowsRead).toBe(WAREHOUSES * 24 * (daysBetween(FROM, h.completedThrough) + 1));
  }

  // A retry after the first range (23 days) was merged.
  const checkpoint: ExtractHeartbeat = {
    completedThrough: ranges[0].to,
    rowsRead: WAREHOUSES * 24 * 23,
    rowsUpserted: WAREHOUSES * 24 * 23,
    warehouses: ['ACME_PROD.WH_0', 'ACME_PROD.WH_1', 'ACME_PROD.WH_2', 'ACME\tDEV.WH_3', 'ACME\tDEV.WH\\BACK'],
  };
  expect(ranges[0].to).toBe('2026-01-23');
  await sql`truncate metering_hourly, metering_daily, ingested_days`;
  const resumed = await extract(file, [], checkpoint);
  expect(resumed).toMatchObject({
    rowsRead: WAREHOUSES * DAYS * 24,
    rowsUpserted: WAREHOUSES * DAYS * 24,
    warehouses: 5,
  });
  // Only the days after the checkpoint were loaded this time.
  const [{ first: firstLoaded }] = await sql`select min(start_time) as first from metering_hourly`;
  expect(new Date(firstLoaded as Date).toISOString()).toBe('2026-01-24T00:00:00.000Z');
});

test('stages of backends that are gone are dropped; a live one is left alone', async () => {
  await sql`create unlogged table metering_stage_4194303_deadbeef (x int)`;
  const live = await sql.reserve();
  try {
    const [{ pid }] = await live`select pg_backend_pid() as pid`;
    await live.unsafe(`create unlogged table metering_stage_${pid}_0000live (x int)`);
    await extract(writeFile(dir, 'small.csv', csvText(exportRows().slice(0, 100))));
    expect((await stageTables()).map((t) => t.name)).toEqual([`metering_stage_${pid}_0000live`]);
    await live.unsafe(`drop table metering_stage_${pid}_0000live`);
  } finally {
    live.release();
  }
});
