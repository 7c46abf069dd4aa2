/**
 * checkDataReadiness against real sources: "Snowflake" through the real snowflake-sdk and the loopback emulator,
 * the demo organisation (instant, or published only through a given day) and a CSV export, with the expected
 * accounts read from the real Postgres.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { createReadinessActivities, type ReadinessResult } from '../../activities/readiness-activities';
import { createCsvSource } from '../../activities/sources/csv-source';
import { createDemoSource } from '../../activities/sources/demo-source';
import { openSource, type HourlyMeteringRow, type MeteringSource } from '../../activities/sources';
import { openDatabase, type Database } from '../../activities/store/database';
import { activeAccounts } from '../../activities/store/metering-store';
import { meteringDaily } from '../../schemas/tables';
import { addDays } from '../../schemas/dates';
import type { SnowflakeSettings } from '../../schemas/snowflake-config';
import { generateKeyPair, startSnowflakeEmulator, type SnowflakeEmulator } from '../emulator';
import { csvRow, csvRowFrom, csvText, writeFile } from '../fixtures/csv-export';
import { loadDemoMetering } from '../fixtures/demo-state';
import { emulatorSettings, orgRows, SVC_USER } from '../fixtures/snowflake-org';
import { tempDir } from '../fixtures/temp-dir';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';

const SEED = 11;
/** Published completely: every account has rows into the next day. */
const FULL_DAY = '2026-05-10';
/** ACME_PROD has published it; ACME_DEV only up to 18:00. */
const PARTIAL_DAY = '2026-05-11';
const DEV_CUTOFF = new Date(`${PARTIAL_DAY}T18:00:00Z`);

/** Both accounts through FULL_DAY; ACME_PROD through the day after PARTIAL_DAY; ACME_DEV's PARTIAL_DAY until 18:00. */
function emulatorRows(): HourlyMeteringRow[] {
  const dev = orgRows(PARTIAL_DAY, PARTIAL_DAY, SEED).filter(
    (r) => r.account === 'ACME_DEV' && r.endTime <= DEV_CUTOFF,
  );
  // Make sure ACME_DEV's last hour ends exactly at the cutoff whatever the demo profiles do that day.
  if (!dev.some((r) => r.endTime.getTime() === DEV_CUTOFF.getTime())) {
    dev.push({
      account: 'ACME_DEV',
      warehouseId: 201,
      warehouseName: 'DEV_WH',
      startTime: new Date(DEV_CUTOFF.getTime() - 3_600_000),
      endTime: DEV_CUTOFF,
      creditsUsed: 1.06,
      creditsUsedCompute: 1,
      creditsUsedCloudServices: 0.06,
    });
  }
  return [
    ...orgRows('2026-05-01', FULL_DAY, SEED),
    ...orgRows(PARTIAL_DAY, '2026-05-12', SEED).filter((r) => r.account === 'ACME_PROD'),
    ...dev,
  ];
}

const EMULATOR_ROWS = emulatorRows();

/** The answer worked out in JS: latest END_TIME of `account`'s real warehouses starting in [day − 7, day + 2). */
function latestEnd(rows: readonly HourlyMeteringRow[], account: string, day: string): string {
  const from = Date.parse(`${addDays(day, -7)}T00:00:00Z`);
  const to = Date.parse(`${addDays(day, 2)}T00:00:00Z`);
  const ends = rows
    .filter((r) => r.account === account && r.warehouseId > 0)
    .filter((r) => r.startTime.getTime() >= from && r.startTime.getTime() < to)
    .map((r) => r.endTime.getTime());
  return new Date(Math.max(...ends)).toISOString();
}

const keys = generateKeyPair();
let emulator: SnowflakeEmulator;
let testDb: TestDatabase;
let database: Database;
let dir: string;
let settings: SnowflakeSettings;

beforeAll(async () => {
  dir = tempDir();
  emulator = await startSnowflakeEmulator();
  emulator.addUser({ name: SVC_USER, publicKeyPem: keys.publicKeyPem });
  await emulator.loadMetering(EMULATOR_ROWS, { accountUsageAccount: 'ACME_PROD' });
  // A pseudo-warehouse (id 0) publishing later than anything else must not count.
  await emulator.sql(
    `insert into organization_usage.warehouse_metering_history values
       ('EMU_ORG', 'ACME_DEV', 'AB123', 'AWS_US_WEST_2', '2026-05-12T05:00:00Z', '2026-05-12T06:00:00Z', 0,
        'CLOUD_SERVICES_ONLY', 0.4, 0, 0.4)`,
  );
  settings = emulatorSettings(emulator, dir, keys.privateKeyPem, undefined);
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.url });
  // What earlier runs loaded: both demo accounts over the two weeks before the days checked.
  await loadDemoMetering(database.db, '2026-04-26', FULL_DAY, SEED);
});

afterAll(async () => {
  await database?.close();
  await testDb?.drop();
  await emulator?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** checkDataReadiness in a mocked activity context; `sources` overrides how a spec is opened. */
function check(
  source: string,
  day: string,
  sources: Record<string, () => MeteringSource> = {},
  snowflake: SnowflakeSettings = settings,
): Promise<ReadinessResult> {
  const { checkDataReadiness } = createReadinessActivities({
    db: database.db,
    defaultSource: 'snowflake',
    openSource: (spec, context) =>
      sources[spec]?.() ?? openSource(spec, { demoSeed: SEED, cwd: dir, snowflake, queryTag: context?.queryTag }),
  });
  const env = new MockActivityEnvironment({
    activityType: 'checkDataReadiness',
    workflowType: 'snowpatrolPipeline',
    workflowExecution: { workflowId: 'snowpatrol-pipeline-test', runId: 'run-1' },
  });
  return env.run(checkDataReadiness, { source: source === 'default' ? undefined : source, day });
}

describe('Snowflake through the emulator', () => {
  test('a day published for every account is complete, in one bound and tagged query', async () => {
    const before = emulator.queries.length;
    const result = await check('default', FULL_DAY);

    expect(result.complete).toBe(true);
    expect(result.missing).toEqual([]);
    expect(result.accounts).toEqual([
      { account: 'ACME_DEV', latestEnd: DEV_CUTOFF.toISOString(), complete: true },
      { account: 'ACME_PROD', latestEnd: latestEnd(EMULATOR_ROWS, 'ACME_PROD', FULL_DAY), complete: true },
    ]);
    // ACME_PROD has rows on 2026-05-12 too, outside the window (it stops at the start of day + 2).
    expect(result.accounts[1].latestEnd! < '2026-05-12').toBe(true);
    expect(Date.parse(result.checkedAt)).not.toBeNaN();

    const queries = emulator.queries.slice(before).filter((q) => q.sqlText.includes('WAREHOUSE_METERING_HISTORY'));
    expect(queries).toHaveLength(1);
    expect(queries[0].sqlText).toContain('GROUP BY ACCOUNT_NAME');
    expect(queries[0].sqlText).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(queries[0].binds).toEqual(['2026-05-03 00:00:00 +0000', '2026-05-12 00:00:00 +0000']);
    expect(JSON.parse(String(queries[0].parameters.QUERY_TAG))).toMatchObject({
      app: 'snowpatrol',
      workflowType: 'snowpatrolPipeline',
      workflowId: 'snowpatrol-pipeline-test',
      activity: 'checkDataReadiness',
    });
  });

  test('an account published only up to 18:00 holds the day back, with how far it got', async () => {
    const result = await check('snowflake', PARTIAL_DAY);

    expect(result.complete).toBe(false);
    expect(result.missing).toEqual(['ACME_DEV']);
    expect(result.accounts).toEqual([
      { account: 'ACME_DEV', latestEnd: DEV_CUTOFF.toISOString(), complete: false },
      { account: 'ACME_PROD', latestEnd: latestEnd(EMULATOR_ROWS, 'ACME_PROD', PARTIAL_DAY), complete: true },
    ]);
  });

  test('an account the database saw recently but the source no longer reports is missing', async () => {
    await database.db.insert(meteringDaily).values({
      account: 'ACME_LEGACY',
      warehouseName: 'OLD_WH',
      warehouse: 'ACME_LEGACY.OLD_WH',
      usageDate: '2026-04-28',
      creditsUsed: 5,
      creditsUsedCompute: 5,
      creditsUsedCloudServices: 0,
      hoursMetered: 5,
    });
    expect(await activeAccounts(database.db, '2026-04-26', '2026-05-09')).toEqual([
      'ACME_DEV',
      'ACME_LEGACY',
      'ACME_PROD',
    ]);

    const result = await check('snowflake', FULL_DAY);

    expect(result.complete).toBe(false);
    expect(result.missing).toEqual(['ACME_LEGACY']);
    expect(result.accounts).toContainEqual({ account: 'ACME_LEGACY', latestEnd: null, complete: false });
    // 14 days on (2026-05-12 … 05-25 is the expected window of 05-26) it is no longer expected.
    expect(await activeAccounts(database.db, '2026-04-29', '2026-05-12')).not.toContain('ACME_LEGACY');
    await database.db.delete(meteringDaily).where(eq(meteringDaily.account, 'ACME_LEGACY'));
  });

  test('ACCOUNT_USAGE reports its one account under the configured label', async () => {
    const source = openSource('snowflake', {
      demoSeed: SEED,
      cwd: dir,
      snowflake: { ...settings, usageSchema: 'ACCOUNT_USAGE', accountLabel: 'ACME_PROD' },
    });
    try {
      expect(await source.readiness!(PARTIAL_DAY)).toEqual([
        { account: 'ACME_PROD', latestEnd: new Date(latestEnd(EMULATOR_ROWS, 'ACME_PROD', PARTIAL_DAY)) },
      ]);
      // Nothing in the window: the account is known, but has no row.
      expect(await source.readiness!('2027-01-01')).toEqual([{ account: 'ACME_PROD', latestEnd: null }]);
    } finally {
      await source.close?.();
    }
  });
});

describe('the demo organisation', () => {
  const late = () => createDemoSource(SEED, { publishedThrough: FULL_DAY });

  test('publishes every day at once', async () => {
    const result = await check('demo', '2026-06-30');
    expect(result).toMatchObject({ complete: true, missing: [] });
    expect(result.accounts).toEqual([
      { account: 'ACME_DEV', latestEnd: '2026-07-01T00:00:00.000Z', complete: true },
      { account: 'ACME_PROD', latestEnd: '2026-07-01T00:00:00.000Z', complete: true },
    ]);
  });

  test('with publishedThrough, is complete up to that day and stuck at its end after it', async () => {
    expect(await check('demo', FULL_DAY, { demo: late })).toMatchObject({ complete: true, missing: [] });
    const after = await check('demo', PARTIAL_DAY, { demo: late });
    expect(after).toMatchObject({ complete: false, missing: ['ACME_DEV', 'ACME_PROD'] });
    for (const a of after.accounts) expect(a.latestEnd).toBe('2026-05-11T00:00:00.000Z');
  });
});

describe('a CSV export', () => {
  test('reports the latest END_TIME per account among rows starting in [day − 7, day + 2)', async () => {
    const metered = [
      ...orgRows('2026-05-01', FULL_DAY, SEED),
      ...orgRows(PARTIAL_DAY, PARTIAL_DAY, SEED).filter((r) => r.account === 'ACME_PROD'),
    ];
    const rows = [
      ...metered.map(csvRowFrom),
      // ACME_DEV's last hour of PARTIAL_DAY, ending 18:00 UTC (10:00 Pacific).
      csvRow(PARTIAL_DAY, {
        ACCOUNT_NAME: 'ACME_DEV',
        START_TIME: '2026-05-11 09:00:00.000 -0800',
        END_TIME: '2026-05-11 10:00:00.000 -0800',
      }),
      // A pseudo-warehouse and a row starting on day + 2 publish later, and must not count.
      csvRow('2026-05-12', { ACCOUNT_NAME: 'ACME_DEV', WAREHOUSE_ID: '0', WAREHOUSE_NAME: 'CLOUD_SERVICES_ONLY' }),
      csvRow('2026-05-13', { ACCOUNT_NAME: 'ACME_DEV', START_TIME: '2026-05-13 00:00:00 +0000' }),
    ];
    const file = writeFile(dir, 'metering.csv', csvText(rows));

    expect(
      (await createCsvSource(file).readiness!(PARTIAL_DAY)).sort((a, b) => a.account.localeCompare(b.account)),
    ).toEqual([
      { account: 'ACME_DEV', latestEnd: DEV_CUTOFF },
      { account: 'ACME_PROD', latestEnd: new Date(latestEnd(metered, 'ACME_PROD', PARTIAL_DAY)) },
    ]);

    const full = await check(`csv:${path.basename(file)}`, FULL_DAY);
    expect(full).toMatchObject({ complete: true, missing: [] });
    // Neither account has a row after PARTIAL_DAY's 23:00 hour would have ended.
    const partial = await check(`csv:${path.basename(file)}`, PARTIAL_DAY);
    expect(partial).toMatchObject({ complete: false, missing: ['ACME_DEV', 'ACME_PROD'] });
  });

  test('a bad row fails the check, naming the line', async () => {
    const file = writeFile(dir, 'bad.csv', csvText([csvRow(FULL_DAY), csvRow(FULL_DAY, { CREDITS_USED: 'lots' })]));
    await expect(createCsvSource(file).readiness!(FULL_DAY)).rejects.toThrow(/bad\.csv line 3: CREDITS_USED/);
  });
});

test('a source that cannot tell answers complete, and is closed', async () => {
  const close = jest.fn(async () => undefined);
  const blind: MeteringSource = {
    spec: 'blind',
    chunkDays: 1,
    async *read() {
      return;
    },
    close,
  };
  const result = await check('blind', FULL_DAY, { blind: () => blind });
  expect(result).toMatchObject({ complete: true, accounts: [], missing: [] });
  expect(close).toHaveBeenCalledTimes(1);
});

test('a day that is not a date fails at once, not retried', async () => {
  await expect(check('demo', '2026-5-1')).rejects.toMatchObject({ type: 'InvalidInput', nonRetryable: true });
});
