/**
 * Per-query cost read through the real snowflake-sdk from the loopback emulator's ACCOUNT_USAGE query views:
 * QUERY_ATTRIBUTION_HISTORY joined with QUERY_HISTORY, and QUERY_HISTORY alone when the attribution view is not
 * granted. What the source reads must be exactly the queries loaded (record for record, to the millisecond and
 * the nano-credit), including one that ran into the window from the night before.
 */
import fs from 'node:fs';
import type { MeteringSource, QueryCostRecord } from '../../activities/sources/metering-source';
import { connectSnowflake } from '../../activities/sources/snowflake/session';
import { createSnowflakeSource } from '../../activities/sources/snowflake/snowflake-source';
import { generateKeyPair, startSnowflakeEmulator, type SnowflakeEmulator } from '../emulator';
import { collect } from '../fixtures/collect';
import { emulatorSettings, loadOrgQueries, orgQueries, SVC_USER } from '../fixtures/snowflake-org';
import { tempDir } from '../fixtures/temp-dir';

// 2025-03-08 is a runaway Saturday on ACME_PROD.BATCH_WH whose backfill runs past midnight into the window.
const LOADED_FROM = '2025-03-07';
const LOADED_TO = '2025-03-12';
const FROM = '2025-03-09';
const TO = '2025-03-11';
const WINDOW_START = Date.parse(`${FROM}T00:00:00Z`);
const WINDOW_END = Date.parse('2025-03-12T00:00:00Z');
const TAG = JSON.stringify({ app: 'snowpatrol', activity: 'attributeQueryCosts' });

const loaded = orgQueries(LOADED_FROM, LOADED_TO, 42);
const prod = loaded.filter((q) => q.account === 'ACME_PROD');
/** What a read of [FROM, TO] must return: ACME_PROD's queries whose execution overlaps the window. */
const inWindow = prod.filter((q) => q.executionEnd.getTime() > WINDOW_START && q.executionStart.getTime() < WINDOW_END);
const keys = generateKeyPair();

let emulator: SnowflakeEmulator;
let dir: string;
const sources: MeteringSource[] = [];

function source(warnings: string[] = []): MeteringSource {
  const s = createSnowflakeSource({
    settings: emulatorSettings(emulator, dir, keys.privateKeyPem, undefined),
    connect: connectSnowflake,
    queryTag: TAG,
    warn: (m) => warnings.push(m),
  });
  sources.push(s);
  return s;
}

const byId = (a: QueryCostRecord, b: QueryCostRecord) => a.queryId.localeCompare(b.queryId);

async function readAll(s: MeteringSource, batchSize = 500): Promise<{ records: QueryCostRecord[]; batches: number[] }> {
  const batches = await collect(s.readQueries!(FROM, TO, batchSize));
  return { records: batches.flat().sort(byId), batches: batches.map((b) => b.length) };
}

beforeAll(async () => {
  dir = tempDir();
  emulator = await startSnowflakeEmulator();
  emulator.addUser({ name: SVC_USER, publicKeyPem: keys.publicKeyPem });
  expect(await loadOrgQueries(emulator, loaded)).toBe(prod.length);
  // Rows the source must leave out: a pseudo-warehouse's, and one that never executed.
  await emulator.sql(
    `insert into account_usage.query_history (query_id, query_tag, user_name, role_name, warehouse_id, warehouse_name,
       query_parameterized_hash, start_time, end_time, execution_time, execution_status)
     values ('cloud-only', '', 'X', 'R', 0, 'CLOUD_SERVICES_ONLY', 'h', '2025-03-10T05:00:00Z', '2025-03-10T05:00:01Z', 900, 'SUCCESS'),
            ('compile-fail', '', 'X', 'R', 104, 'DS_WH', 'h', '2025-03-10T05:00:00Z', '2025-03-10T05:00:01Z', 0, 'FAIL')`,
  );
});

afterEach(() => emulator.denyView(''));

afterAll(async () => {
  await Promise.all(sources.map((s) => s.close?.()));
  await emulator?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the attribution view reads back every query of the window exactly, with Snowflake’s credits', async () => {
  const overnight = inWindow.filter((q) => q.executionStart.getTime() < WINDOW_START);
  expect(overnight).toHaveLength(1);
  expect(overnight[0].warehouseName).toBe('BATCH_WH');
  expect(inWindow.length).toBeGreaterThan(300);
  const before = emulator.queries.length;

  const { records, batches } = await readAll(source());

  expect(records).toEqual([...inWindow].sort(byId));
  expect(batches.slice(0, -1).every((n) => n === 500)).toBe(true);
  const statements = emulator.queries.slice(before).filter((q) => q.sqlText.startsWith('SELECT'));
  expect(statements).toHaveLength(1);
  expect(statements[0].sqlText).toContain('QUERY_ATTRIBUTION_HISTORY');
  expect(statements[0].sqlText).not.toMatch(/2025|\d{10}/);
  expect(statements[0].binds).toContain(WINDOW_END);
  expect(statements[0].parameters.QUERY_TAG).toBe(TAG);
});

test('without the attribution grant, QUERY_HISTORY gives the same queries without credits, and one warning', async () => {
  emulator.denyView('ACCOUNT_USAGE.QUERY_ATTRIBUTION_HISTORY');
  const warnings: string[] = [];
  const s = source(warnings);

  const { records } = await readAll(s, 10_000);
  await readAll(s);

  expect(records).toEqual([...inWindow].sort(byId).map((q) => ({ ...q, credits: undefined })));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/QUERY_ATTRIBUTION_HISTORY.*not authorized/);
  expect(warnings[0]).toContain('GRANT DATABASE ROLE SNOWFLAKE.USAGE_VIEWER');
  expect(warnings[0]).toContain('execution time from QUERY_HISTORY');
});

test('the query views are published to the latest execution end loaded', async () => {
  const latest = new Date(Math.max(...prod.map((q) => q.executionEnd.getTime())));
  expect(await source().queriesPublishedTo!()).toEqual(latest);

  emulator.denyView('ACCOUNT_USAGE.QUERY_ATTRIBUTION_HISTORY');
  expect(await source().queriesPublishedTo!()).toEqual(latest);
});

test('an attribution view not yet published reads as no queries and no coverage', async () => {
  const empty = await startSnowflakeEmulator();
  try {
    empty.addUser({ name: SVC_USER, publicKeyPem: keys.publicKeyPem });
    await empty.loadQueries(prod, { attribution: false });
    const s = createSnowflakeSource({
      settings: emulatorSettings(empty, dir, keys.privateKeyPem, undefined),
      connect: connectSnowflake,
      queryTag: TAG,
    });
    try {
      expect((await collect(s.readQueries!(FROM, TO, 100))).flat()).toEqual([]);
      expect(await s.queriesPublishedTo!()).toBeNull();
    } finally {
      await s.close?.();
    }
  } finally {
    await empty.close();
  }
});
