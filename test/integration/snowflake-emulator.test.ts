/**
 * The Snowflake emulator (test/emulator) driven by the real snowflake-sdk over HTTP on 127.0.0.1: logins with a
 * password and with key pairs, typed metering rows read with binds, statement parameters, the errors Snowflake
 * raises for bad logins, missing privileges and bad SQL, and what the driver itself does when a query-request
 * fails (which faults it retries on its own and what surfaces from the others).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Connection } from 'snowflake-sdk';
import { DEMO_WAREHOUSES, demoHourlyRows } from '../../activities/sources/demo-org';
import { generateKeyPair, type MeteringRowInput, type SnowflakeEmulator, startSnowflakeEmulator } from '../emulator';
import { connectTo, destroy, queryRows, rejection, streamRows } from '../emulator/driver-client';
import { tempDir } from '../fixtures/temp-dir';

const DAY = '2026-03-01';
const ETL_ROWS = demoHourlyRows(DEMO_WAREHOUSES[0], DAY, 42); // ACME_PROD.ETL_WH
const OTHER_ROWS = [DEMO_WAREHOUSES[1], DEMO_WAREHOUSES[4]].flatMap((wh) => demoHourlyRows(wh, DAY, 42));
const NEXT_DAY_ROWS = demoHourlyRows(DEMO_WAREHOUSES[0], '2026-03-02', 42);

const METERING_SQL =
  'SELECT ACCOUNT_NAME, WAREHOUSE_ID, WAREHOUSE_NAME, START_TIME, END_TIME, CREDITS_USED, CREDITS_USED_COMPUTE, ' +
  'CREDITS_USED_CLOUD_SERVICES FROM SNOWFLAKE.ORGANIZATION_USAGE.WAREHOUSE_METERING_HISTORY ' +
  'WHERE START_TIME >= ? AND START_TIME < ? AND WAREHOUSE_ID = ? ORDER BY START_TIME';
const METERING_BINDS = [`${DAY} 00:00:00 +0000`, '2026-03-02 00:00:00 +0000', 101];
const SIMPLE_SQL = 'SELECT COUNT(*) AS N FROM SNOWFLAKE.ACCOUNT_USAGE.WAREHOUSE_METERING_HISTORY';

const keys = generateKeyPair();
const PASSPHRASE = 'correct horse battery staple';
const encryptedKeys = generateKeyPair(PASSPHRASE);
const strangerKeys = generateKeyPair();

let emulator: SnowflakeEmulator;
const open: Connection[] = [];

/** A connection that afterEach destroys. */
async function connect(options: Parameters<typeof connectTo>[1]): Promise<Connection> {
  const connection = await connectTo(emulator, options);
  open.push(connection);
  return connection;
}

const asAlice = () => connect({ username: 'alice', password: 'alice-secret' });

/** What the driver should return for a metering row (upper-case Snowflake column names). */
function expectedRow(row: MeteringRowInput) {
  return {
    ACCOUNT_NAME: row.account,
    WAREHOUSE_ID: row.warehouseId,
    WAREHOUSE_NAME: row.warehouseName,
    START_TIME: row.startTime,
    END_TIME: row.endTime,
    CREDITS_USED: row.creditsUsed,
    CREDITS_USED_COMPUTE: row.creditsUsedCompute,
    CREDITS_USED_CLOUD_SERVICES: row.creditsUsedCloudServices,
  };
}

beforeAll(async () => {
  emulator = await startSnowflakeEmulator();
  emulator.addUser({ name: 'alice', password: 'alice-secret' });
  emulator.addUser({ name: 'key_user', publicKeyPem: keys.publicKeyPem });
  emulator.addUser({ name: 'vault_user', publicKeyPem: encryptedKeys.publicKeyPem });
  await emulator.loadMetering([...ETL_ROWS, ...OTHER_ROWS, ...NEXT_DAY_ROWS]);
  await emulator.loadUsageInCurrency([
    { account: 'ACME_PROD', usageDate: DAY, usageType: 'compute', currency: 'USD', usage: 100, usageInCurrency: 300 },
  ]);
});

afterEach(async () => {
  emulator.faults.reset();
  await Promise.all(open.splice(0).map((c) => destroy(c)));
});

afterAll(async () => {
  await emulator?.close();
});

describe('a password login reading WAREHOUSE_METERING_HISTORY', () => {
  it('returns the loaded rows with Snowflake types: Date at the exact instant, numbers, strings', async () => {
    const connection = await asAlice();
    const viaComplete = await queryRows(connection, METERING_SQL, METERING_BINDS);
    const viaStream = await streamRows(connection, METERING_SQL, METERING_BINDS);

    expect(ETL_ROWS.length).toBeGreaterThan(0);
    for (const rows of [viaComplete, viaStream]) {
      expect(rows).toEqual(ETL_ROWS.map(expectedRow));
      rows.forEach((row, i) => {
        expect(row.START_TIME).toBeInstanceOf(Date);
        expect((row.START_TIME as Date).getTime()).toBe(ETL_ROWS[i].startTime.getTime());
        expect((row.END_TIME as Date).toISOString()).toBe(ETL_ROWS[i].endTime.toISOString());
        expect(typeof row.WAREHOUSE_ID).toBe('number');
        expect(typeof row.CREDITS_USED).toBe('number');
        expect(typeof row.WAREHOUSE_NAME).toBe('string');
      });
    }
  });

  it('types aggregates, dates, reals and booleans the way Snowflake does', async () => {
    const connection = await asAlice();
    const [totals] = await queryRows(
      connection,
      'SELECT COUNT(*) AS N, SUM(CREDITS_USED) AS CREDITS, SUM(CREDITS_USED)::FLOAT AS CREDITS_REAL, ' +
        'MIN(START_TIME) AS FIRST_HOUR, COUNT(*) > 0 AS ANY_ROWS ' +
        'FROM SNOWFLAKE.ACCOUNT_USAGE.WAREHOUSE_METERING_HISTORY WHERE START_TIME >= ? AND START_TIME < ?',
      METERING_BINDS.slice(0, 2),
    );
    // ACCOUNT_USAGE holds only the connected account (ACME_PROD): ETL_WH and BI_WH, not ACME_DEV's DEV_WH.
    const prodRows = [...ETL_ROWS, ...OTHER_ROWS].filter((r) => r.account === 'ACME_PROD');
    const sum = prodRows.reduce((s, r) => s + Math.round(r.creditsUsed * 1e9), 0) / 1e9;
    expect(totals).toEqual({
      N: prodRows.length,
      CREDITS: sum,
      CREDITS_REAL: sum,
      FIRST_HOUR: new Date(Math.min(...prodRows.map((r) => r.startTime.getTime()))),
      ANY_ROWS: true,
    });

    const prices = await streamRows(
      connection,
      'SELECT ACCOUNT_NAME, USAGE_DATE, CURRENCY, SUM(USAGE_IN_CURRENCY) AS USAGE_IN_CURRENCY, SUM(USAGE) AS USAGE ' +
        'FROM SNOWFLAKE.ORGANIZATION_USAGE.USAGE_IN_CURRENCY_DAILY WHERE USAGE_DATE >= ? AND USAGE_DATE <= ? ' +
        'AND USAGE_TYPE = ? GROUP BY ACCOUNT_NAME, USAGE_DATE, CURRENCY',
      [DAY, DAY, 'compute'],
    );
    expect(prices).toEqual([
      {
        ACCOUNT_NAME: 'ACME_PROD',
        USAGE_DATE: new Date(`${DAY}T00:00:00Z`),
        CURRENCY: 'USD',
        USAGE_IN_CURRENCY: 300,
        USAGE: 100,
      },
    ]);
  });
});

describe('key-pair logins (AUTHENTICATOR SNOWFLAKE_JWT)', () => {
  it('accepts an unencrypted PKCS#8 key given as a PEM string', async () => {
    const connection = await connect({
      username: 'key_user',
      authenticator: 'SNOWFLAKE_JWT',
      privateKey: keys.privateKeyPem,
    });
    expect(await queryRows(connection, 'SELECT CURRENT_ACCOUNT() AS ACCOUNT')).toEqual([{ ACCOUNT: emulator.account }]);
    expect(emulator.queries.at(-1)?.user).toBe('key_user');
  });

  it('accepts an encrypted PKCS#8 key read from privateKeyPath with privateKeyPass', async () => {
    const dir = tempDir();
    try {
      const keyFile = path.join(dir, 'rsa_key.p8');
      fs.writeFileSync(keyFile, encryptedKeys.privateKeyPem, { mode: 0o600 });
      expect(encryptedKeys.privateKeyPem).toContain('BEGIN ENCRYPTED PRIVATE KEY');
      const connection = await connect({
        username: 'vault_user',
        authenticator: 'SNOWFLAKE_JWT',
        privateKeyPath: keyFile,
        privateKeyPass: PASSPHRASE,
      });
      expect(await queryRows(connection, SIMPLE_SQL)).toEqual([{ N: expect.any(Number) }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(emulator.queries.at(-1)?.user).toBe('vault_user');
  });

  it('rejects a key that is not registered for the user at once: 390144 JWT token is invalid', async () => {
    const logins = emulator.stats.logins;
    const { facts, ms } = await rejection(() =>
      connect({ username: 'key_user', authenticator: 'SNOWFLAKE_JWT', privateKey: strangerKeys.privateKeyPem }),
    );
    expect(facts).toMatchObject({ name: 'OperationFailedError', code: '390144', message: 'JWT token is invalid.' });
    expect(ms).toBeLessThan(3000);
    expect(emulator.stats.logins).toBe(logins + 1); // not retried
  });

  it('checks the signature, the fingerprint claim and the expiry of the JWT itself', async () => {
    const account = emulator.account;
    const subject = `${account}.KEY_USER`;
    const fingerprint = `SHA256:${crypto
      .createHash('sha256')
      .update(crypto.createPublicKey(keys.publicKeyPem).export({ type: 'spki', format: 'der' }))
      .digest('base64')}`;
    const now = Date.now(); // snowflake-sdk writes iat/exp in milliseconds
    const jwt = (claims: object, signWith: string) => {
      const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}`;
      return `${unsigned}.${crypto.sign('sha256', Buffer.from(unsigned), signWith).toString('base64url')}`;
    };
    const login = (token: string) =>
      postJson(`${emulator.url}/session/v1/login-request`, {
        data: { ACCOUNT_NAME: account, LOGIN_NAME: 'key_user', AUTHENTICATOR: 'SNOWFLAKE_JWT', TOKEN: token },
      });
    const valid = { iss: `${subject}.${fingerprint}`, sub: subject, iat: now, exp: now + 60_000 };

    expect(await login(jwt(valid, keys.privateKeyPem))).toMatchObject({ success: true });
    // claims the registered key's fingerprint but is signed by another key
    expect(await login(jwt(valid, strangerKeys.privateKeyPem))).toMatchObject({ success: false, code: '390144' });
    expect(await login(jwt({ ...valid, exp: now - 120_000, iat: now - 180_000 }, keys.privateKeyPem))).toMatchObject({
      code: '390144',
    });
    expect(await login(jwt({ ...valid, sub: `${account}.ALICE` }, keys.privateKeyPem))).toMatchObject({
      code: '390144',
    });
  });
});

describe('failed password logins surface at once, without retries', () => {
  it('a wrong password or an unknown user: 390100 Incorrect username or password was specified.', async () => {
    for (const options of [
      { username: 'alice', password: 'wrong' },
      { username: 'nobody', password: 'alice-secret' },
    ]) {
      const logins = emulator.stats.logins;
      const { facts, ms } = await rejection(() => connect(options));
      expect(facts).toMatchObject({
        name: 'OperationFailedError',
        code: '390100',
        message: 'Incorrect username or password was specified.',
      });
      expect(ms).toBeLessThan(3000);
      expect(emulator.stats.logins).toBe(logins + 1);
    }
  });

  it('a wrong account: HTTP 403 from the front end, RequestFailedError 401002 with response status 403', async () => {
    const logins = emulator.stats.logins;
    const { facts, ms } = await rejection(() =>
      connect({ account: 'NOT_OURS', username: 'alice', password: 'alice-secret' }),
    );
    expect(facts).toMatchObject({
      name: 'RequestFailedError',
      code: 401002,
      message: 'Request to Snowflake failed.',
      status: 403,
    });
    expect(ms).toBeLessThan(3000);
    expect(emulator.stats.logins).toBe(logins + 1);
  });
});

describe('what the emulator records', () => {
  it('statement parameters (QUERY_TAG) and binds, in order, as plain values', async () => {
    const connection = await asAlice();
    const tag = '{"app":"snowpatrol"}';
    const rows = await streamRows(
      connection,
      'SELECT COUNT(*) AS N FROM SNOWFLAKE.ORGANIZATION_USAGE.WAREHOUSE_METERING_HISTORY ' +
        'WHERE START_TIME >= ? AND WAREHOUSE_ID = ? AND CREDITS_USED > ? AND WAREHOUSE_NAME <> ? AND ? = TRUE',
      [`${DAY} 00:00:00 +0000`, 101, 0.5, 'NOPE', true],
      { parameters: { QUERY_TAG: tag } },
    );
    expect(rows).toEqual([{ N: expect.any(Number) }]);
    const recorded = emulator.queries.at(-1);
    expect(recorded).toMatchObject({
      user: 'alice',
      binds: [`${DAY} 00:00:00 +0000`, 101, 0.5, 'NOPE', true],
      parameters: { QUERY_TAG: tag },
      retryCount: 0,
    });
    expect(recorded?.sqlText).toMatch(/^SELECT COUNT\(\*\) AS N FROM SNOWFLAKE\.ORGANIZATION_USAGE/);
  });
});

describe('faults on query-requests, and what snowflake-sdk does about them', () => {
  it('HTTP 503: the driver retries by itself after a 1–3 s backoff, with the same requestId', async () => {
    const connection = await asAlice();
    for (const read of [queryRows, streamRows]) {
      const before = { ...emulator.stats };
      emulator.faults.failNext(1, 503);
      const started = Date.now();
      expect(await read(connection, SIMPLE_SQL)).toEqual([{ N: expect.any(Number) }]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(emulator.stats.queryRequests).toBe(before.queryRequests + 2);
      expect(emulator.stats.failedByFault).toBe(before.failedByFault + 1);
      const [failed, retried] = emulator.queries.slice(-2);
      expect(retried.requestId).toBe(failed.requestId);
      expect([failed.retryCount, retried.retryCount]).toEqual([0, 1]);
    }
  });

  it('HTTP 400: not retried by the HTTP layer; execute({complete}) re-sends once, streamRows() fails', async () => {
    const connection = await asAlice();
    emulator.faults.failNext(1, 400);
    expect(await queryRows(connection, SIMPLE_SQL)).toEqual([{ N: expect.any(Number) }]);

    emulator.faults.failNext(2, 400);
    const twice = await rejection(() => queryRows(connection, SIMPLE_SQL));
    expect(twice.facts).toMatchObject({ name: 'RequestFailedError', code: 401002, status: 400 });

    const before = emulator.stats.queryRequests;
    emulator.faults.failNext(1, 400);
    const streamed = await rejection(() => streamRows(connection, SIMPLE_SQL));
    expect(streamed.facts).toMatchObject({
      name: 'RequestFailedError',
      code: 401002,
      message: 'Request to Snowflake failed.',
      status: 400,
    });
    expect(emulator.stats.queryRequests).toBe(before + 1);
  });

  it('a connection dropped mid-body: a NetworkError 401001 the HTTP layer does not retry', async () => {
    const connection = await asAlice();
    const before = emulator.stats.queryRequests;
    emulator.faults.dropNext(1);
    expect(await queryRows(connection, SIMPLE_SQL)).toEqual([{ N: expect.any(Number) }]); // one re-send
    expect(emulator.stats.queryRequests).toBe(before + 2);

    emulator.faults.dropNext(1);
    const streamed = await rejection(() => streamRows(connection, SIMPLE_SQL));
    expect(streamed.facts).toMatchObject({
      name: 'NetworkError',
      code: 401001,
      message: 'stream has been aborted',
      cause: expect.stringContaining('ERR_BAD_RESPONSE'),
    });

    emulator.faults.dropNext(2);
    const twice = await rejection(() => queryRows(connection, SIMPLE_SQL));
    expect(twice.facts).toMatchObject({ name: 'NetworkError', code: 401001 });
  });

  it('a slow answer is waited for; past the connection `timeout` the attempt is abandoned and retried', async () => {
    const connection = await asAlice();
    emulator.faults.delayNext(1, 1500);
    let started = Date.now();
    expect(await streamRows(connection, SIMPLE_SQL)).toEqual([{ N: expect.any(Number) }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);

    const impatient = await connect({ username: 'alice', password: 'alice-secret', timeout: 1000 });
    emulator.faults.delayNext(1, 2500);
    started = Date.now();
    expect(await streamRows(impatient, SIMPLE_SQL)).toEqual([{ N: expect.any(Number) }]);
    expect(emulator.queries.slice(-2).map((q) => q.retryCount)).toEqual([0, 1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900); // 1 s timeout + 1–3 s backoff
  });

  it('an expired session token (390112): the driver renews it with the master token and re-sends', async () => {
    const connection = await asAlice();
    for (const read of [queryRows, streamRows]) {
      const before = { ...emulator.stats };
      emulator.faults.expireSessionNext();
      expect(await read(connection, SIMPLE_SQL)).toEqual([{ N: expect.any(Number) }]);
      expect(emulator.stats.renewals).toBe(before.renewals + 1);
      expect(emulator.stats.logins).toBe(before.logins);
      expect(emulator.stats.failedByFault).toBe(before.failedByFault);
      expect(emulator.stats.queryRequests).toBe(before.queryRequests + 2);
    }
  });
});

describe('Snowflake errors for statements', () => {
  it('a view the role may not read: 002003 / 42S02 "does not exist or not authorized", other views still readable', async () => {
    const connection = await asAlice();
    const usage = () =>
      streamRows(
        connection,
        'SELECT SUM(USAGE) AS USAGE FROM SNOWFLAKE.ORGANIZATION_USAGE.USAGE_IN_CURRENCY_DAILY WHERE USAGE_TYPE = ?',
        ['compute'],
      );
    emulator.denyView('ORGANIZATION_USAGE.USAGE_IN_CURRENCY_DAILY');
    try {
      const { facts } = await rejection(usage);
      expect(facts).toMatchObject({
        name: 'OperationFailedError',
        code: '002003',
        sqlState: '42S02',
        message:
          "SQL compilation error:\nObject 'SNOWFLAKE.ORGANIZATION_USAGE.USAGE_IN_CURRENCY_DAILY' does not exist or not authorized.",
      });
      expect(await queryRows(connection, SIMPLE_SQL)).toEqual([{ N: expect.any(Number) }]);
    } finally {
      emulator.denyView(''); // lifts every denial
    }
    expect(await usage()).toEqual([{ USAGE: 100 }]);
  });

  it('SQL errors carry Snowflake codes and SQLSTATEs', async () => {
    const connection = await asAlice();
    const missing = await rejection(() =>
      queryRows(connection, 'SELECT * FROM SNOWFLAKE.ORGANIZATION_USAGE.NO_SUCH_VIEW'),
    );
    expect(missing.facts).toMatchObject({
      name: 'OperationFailedError',
      code: '002003',
      sqlState: '42S02',
      message:
        "SQL compilation error:\nObject 'SNOWFLAKE.ORGANIZATION_USAGE.NO_SUCH_VIEW' does not exist or not authorized.",
    });
    const column = await rejection(() =>
      streamRows(connection, 'SELECT NO_SUCH_COLUMN FROM SNOWFLAKE.ACCOUNT_USAGE.WAREHOUSE_METERING_HISTORY'),
    );
    expect(column.facts).toMatchObject({
      code: '000904',
      sqlState: '42000',
      message: expect.stringContaining("invalid identifier 'NO_SUCH_COLUMN'"),
    });
    const syntax = await rejection(() => queryRows(connection, 'SELEC 1'));
    expect(syntax.facts).toMatchObject({ code: '001003', sqlState: '42000' });
  });
});

describe('bulk loading', () => {
  it('loads 200,000 generated hourly rows quickly, all of them', async () => {
    const count = 200_000;
    const warehouses = 100;
    function* generated(): Generator<MeteringRowInput> {
      const base = Date.UTC(2025, 0, 1);
      for (let i = 0; i < count; i++) {
        const start = base + Math.floor(i / warehouses) * 3_600_000;
        const compute = (i % 997) / 100;
        yield {
          account: i % 2 === 0 ? 'LOAD_PROD' : 'LOAD_DEV',
          warehouseId: 5000 + (i % warehouses),
          warehouseName: `LOAD_WH_${i % warehouses}`,
          startTime: new Date(start),
          endTime: new Date(start + 3_600_000),
          creditsUsed: compute * 1.06,
          creditsUsedCompute: compute,
          creditsUsedCloudServices: compute * 0.06,
        };
      }
    }
    const loaded = await emulator.loadMetering(generated(), { accountUsageAccount: 'LOAD_PROD' });

    expect(loaded).toBe(count);
    const [org] = await emulator.sql<{ n: number }>(
      'select count(*)::int as n from organization_usage.warehouse_metering_history where warehouse_id >= 5000',
    );
    const [acct] = await emulator.sql<{ n: number }>(
      'select count(*)::int as n from account_usage.warehouse_metering_history where warehouse_id >= 5000',
    );
    expect(org.n).toBe(count);
    expect(acct.n).toBe(count / 2);
  });
});

describe('the protocol surface', () => {
  it('the driver called no endpoint the emulator does not serve', () => {
    expect(emulator.unhandledRequests).toEqual([]);
  });
});

/** POST JSON with a fresh socket (no keep-alive pool left open) and parse the JSON answer. */
function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>));
        res.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}
