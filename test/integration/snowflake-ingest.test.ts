/**
 * ingestMetering reading "Snowflake" through the real snowflake-sdk, against the loopback emulator, into the
 * real Postgres, through a real Temporal dev server: exact loads, tagged and bound queries, prices, retried
 * faults, and configuration mistakes that fail at once with the fix in the message.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActivityFailure, type ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq, sql } from 'drizzle-orm';
import { TASK_QUEUE, WORKFLOW_TYPES } from '../../schemas/constants';
import type { IngestResult } from '../../schemas/results';
import { creditPrices, meteringHourly } from '../../schemas/tables';
import { generateKeyPair, startSnowflakeEmulator, type SnowflakeEmulator } from '../emulator';
import { emulatorSettings, loadOrg, orgRows, SVC_USER } from '../fixtures/snowflake-org';
import { tableCounts } from '../helpers/state';
import { activityStarts } from '../helpers/history';
import { startTemporal } from '../helpers/temporal';
import { startTestWorker, type TestWorker } from '../helpers/worker';

const FROM = '2026-03-01';
const MID = '2026-03-20';
const TO = '2026-03-30';
const rows = orgRows(FROM, TO, 11);
const keys = generateKeyPair('correct horse');

let env: TestWorkflowEnvironment;
let emulator: SnowflakeEmulator;
let tw: TestWorker;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-sf-'));
  env = await startTemporal();
  emulator = await startSnowflakeEmulator();
  emulator.addUser({ name: SVC_USER, publicKeyPem: keys.publicKeyPem });
  await loadOrg(emulator, rows);
  tw = await startTestWorker(env, 11, {
    snowflake: emulatorSettings(emulator, dir, keys.privateKeyPem, 'correct horse'),
  });
});

afterAll(async () => {
  await tw?.stop();
  await emulator?.close();
  await env?.teardown();
  fs.rmSync(dir, { recursive: true, force: true });
});

function ingest(from: string, to: string, workflowId: string, taskQueue = TASK_QUEUE): Promise<IngestResult> {
  return env.client.workflow.execute(WORKFLOW_TYPES.ingest, {
    taskQueue,
    workflowId,
    args: [{ asOf: to, source: 'snowflake', from, to }],
  });
}

/** Row count and credit sum per account, in Postgres and in the emulator, for days up to `to`. */
async function totals(to: string) {
  const stored = await tw.database.db
    .select({
      account: meteringHourly.account,
      n: sql<number>`count(*)::int`,
      credits: sql<string>`sum(${meteringHourly.creditsUsed})::text`,
    })
    .from(meteringHourly)
    .where(sql`${meteringHourly.startTime} < ${`${to}T23:59:59Z`}::timestamptz + interval '1 second'`)
    .groupBy(meteringHourly.account)
    .orderBy(meteringHourly.account);
  const source = await emulator.sql<{ account: string; n: number; credits: string }>(
    `select account_name as account, count(*)::int as n, sum(credits_used)::text as credits
       from organization_usage.warehouse_metering_history
      where warehouse_id > 0 and start_time < $1::timestamptz + interval '1 day'
      group by account_name order by account_name`,
    [`${to}T00:00:00Z`],
  );
  return { stored, source };
}

test('a 30-day organisation lands exactly, every query bound and tagged, with prices', async () => {
  await emulator.sql(
    `insert into organization_usage.warehouse_metering_history values
       ('ACME', 'ACME_PROD', 'AB123', 'AWS_US_WEST_2', '2026-03-02T05:00:00Z', '2026-03-02T06:00:00Z', 0, 'CLOUD_SERVICES_ONLY', 0.4, 0, 0.4)`,
  );
  const before = emulator.queries.length;

  const result = await ingest(FROM, MID, 'sf-ingest-first');

  const { stored, source } = await totals(MID);
  expect(stored).toEqual(source.map((s) => ({ ...s, n: Number(s.n) })));
  expect(result).toMatchObject({ source: 'snowflake', from: FROM, to: MID, days: 20, warehouses: 6 });
  expect(result.rowsUpserted).toBe(result.rowsRead);

  const queries = emulator.queries.slice(before);
  // One metering query per day, then one price query for the whole window.
  expect(queries.filter((q) => q.sqlText.includes('WAREHOUSE_METERING_HISTORY'))).toHaveLength(20);
  expect(queries.filter((q) => q.sqlText.includes('USAGE_IN_CURRENCY_DAILY'))).toHaveLength(1);
  for (const q of queries) {
    expect(q.sqlText).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    const tag = JSON.parse(String(q.parameters.QUERY_TAG));
    expect(tag).toMatchObject({
      app: 'snowpatrol',
      workflowType: 'ingestMetering',
      workflowId: 'sf-ingest-first',
      activity: 'extractWarehouseMetering',
    });
    expect(q.user).toBe(SVC_USER);
  }
  expect(queries[0].binds).toEqual(['2026-03-01 00:00:00 +0000', '2026-03-02 00:00:00 +0000']);

  const prices = await tw.database.db.select().from(creditPrices).where(eq(creditPrices.account, 'ACME_PROD'));
  expect(prices).toHaveLength(20);
  for (const p of prices) expect(p.pricePerCredit).toBeCloseTo(3.0, 9);
});

test('re-loading the same days changes nothing', async () => {
  const before = await tableCounts(tw.database.db);
  const again = await ingest(FROM, MID, 'sf-ingest-again');
  expect(again.rowsUpserted).toBe(0);
  expect(await tableCounts(tw.database.db)).toEqual(before);
});

test('HTTP 503s, a dropped connection and an expired session are survived, and the load is still exact', async () => {
  emulator.faults.failNext(2, 503);
  emulator.faults.dropNext(1);
  emulator.faults.expireSessionNext();
  const failedBefore = emulator.stats.failedByFault;
  const renewalsBefore = emulator.stats.renewals;

  await ingest('2026-03-21', TO, 'sf-ingest-faults');

  expect(emulator.stats.failedByFault - failedBefore).toBe(3);
  expect(emulator.stats.renewals).toBeGreaterThan(renewalsBefore);
  const { stored, source } = await totals(TO);
  expect(stored).toEqual(source.map((s) => ({ ...s, n: Number(s.n) })));
});

describe('configuration mistakes fail at once, say what to fix, and write nothing', () => {
  const ONE_ATTEMPT_THEN_ALERT = { planIngestWindow: 1, extractWarehouseMetering: 1, sendFailureAlert: 1 };
  async function failureOf(overrides: Parameters<typeof emulatorSettings>[4], privateKeyPem = keys.privateKeyPem) {
    const queue = `snowpatrol-bad-${Math.random().toString(36).slice(2)}`;
    const bad = await startTestWorker(env, 11, {
      snowflake: emulatorSettings(
        emulator,
        dir,
        privateKeyPem,
        privateKeyPem === keys.privateKeyPem ? 'correct horse' : undefined,
        overrides,
      ),
      taskQueue: queue,
      databaseUrl: tw.databaseUrl,
    });
    const before = await tableCounts(tw.database.db);
    const started = Date.now();
    try {
      const handle = await env.client.workflow.start(WORKFLOW_TYPES.ingest, {
        taskQueue: queue,
        workflowId: `sf-bad-${queue}`,
        args: [{ asOf: '2026-03-05', source: 'snowflake', from: '2026-03-05', to: '2026-03-05' }],
      });
      const error: unknown = await handle.result().catch((e: unknown) => e);
      const seconds = (Date.now() - started) / 1000;
      // The extract is not retried; the failure is alerted once.
      const attempts = await activityStarts(handle);
      expect(await tableCounts(tw.database.db)).toEqual(before);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      const activityFailure = (error as WorkflowFailedError).cause as ActivityFailure;
      expect(activityFailure).toBeInstanceOf(ActivityFailure);
      return { cause: activityFailure.cause as ApplicationFailure, seconds, attempts };
    } finally {
      await bad.stop();
    }
  }

  test('a key that is not the registered one', async () => {
    const { cause, seconds, attempts } = await failureOf({}, generateKeyPair().privateKeyPem);
    expect(cause.type).toBe('SnowflakeAuthError');
    expect(cause.message).toContain('SNOWFLAKE_PRIVATE_KEY_PATH');
    expect(attempts).toEqual(ONE_ATTEMPT_THEN_ALERT);
    expect(seconds).toBeLessThan(20);
  });

  test('a wrong account', async () => {
    const { cause, attempts } = await failureOf({ account: 'NO_SUCH_ACCOUNT' });
    expect(cause.type).toBe('SnowflakeAuthError');
    expect(cause.message).toMatch(/SNOWFLAKE_ACCOUNT|NO_SUCH_ACCOUNT/);
    expect(attempts).toEqual(ONE_ATTEMPT_THEN_ALERT);
  });

  test('a role that may not read the usage view gets the GRANT to run', async () => {
    emulator.denyView('ORGANIZATION_USAGE.WAREHOUSE_METERING_HISTORY');
    try {
      const { cause, attempts } = await failureOf({});
      expect(cause.type).toBe('SnowflakePrivilegeError');
      expect(cause.message).toContain('GRANT DATABASE ROLE SNOWFLAKE.ORGANIZATION_USAGE_VIEWER TO ROLE SNOWPATROL');
      expect(attempts).toEqual(ONE_ATTEMPT_THEN_ALERT);
    } finally {
      emulator.denyView('');
    }
  });
});
