import { classifySnowflakeError, SnowflakePrivilegeError } from '../../activities/sources/snowflake/errors';
import {
  QUERY_COST_COLUMNS,
  queriesPublishedToQuery,
  queryAttributionQuery,
  queryHistoryQuery,
} from '../../activities/sources/snowflake/queries';
import type { ConnectSnowflake, Row } from '../../activities/sources/snowflake/session';
import { createSnowflakeSource } from '../../activities/sources/snowflake/snowflake-source';
import { collect } from '../fixtures/collect';
import { snowflakeSettings } from '../fixtures/snowflake-settings';

const settings = snowflakeSettings({ auth: { kind: 'password', password: 'x' } });
const MIDNIGHT_21 = Date.UTC(2026, 10, 21);

describe('the per-query cost statements', () => {
  it('join QUERY_ATTRIBUTION_HISTORY with QUERY_HISTORY for the execution window, every value bound', () => {
    const q = queryAttributionQuery('2026-11-20', '2026-11-20');
    expect(q.sqlText).toContain('FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_ATTRIBUTION_HISTORY a');
    expect(q.sqlText).toContain('JOIN SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY q ON q.QUERY_ID = a.QUERY_ID');
    expect(q.sqlText).toContain('DATE_PART(EPOCH_MILLISECOND, q.END_TIME) - q.EXECUTION_TIME AS EXECUTION_START_MS');
    expect(q.sqlText).toContain('a.CREDITS_ATTRIBUTED_COMPUTE, q.WAREHOUSE_SIZE');
    expect(q.sqlText).toMatch(/DATE_PART\(EPOCH_MILLISECOND, q\.END_TIME\) - q\.EXECUTION_TIME < \?/);
    expect(q.sqlText).not.toMatch(/2026|\d{10}/);
    expect(q.binds).toEqual([
      '2026-11-20 00:00:00 +0000',
      '2026-11-21 00:00:00 +0000',
      '2026-11-20 00:00:00 +0000',
      '2026-11-21 00:00:00 +0000',
      MIDNIGHT_21,
    ]);
    expect(q.sqlText.split('?')).toHaveLength(q.binds.length + 1);
  });

  it('read QUERY_HISTORY alone as the fallback: executed queries only, no credits', () => {
    const q = queryHistoryQuery('2026-11-18', '2026-11-20');
    expect(q.sqlText).toContain('FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY q');
    expect(q.sqlText).not.toContain('QUERY_ATTRIBUTION_HISTORY');
    expect(q.sqlText).toContain('NULL AS CREDITS_ATTRIBUTED_COMPUTE');
    expect(q.sqlText).toMatch(/q\.WAREHOUSE_ID > 0 AND q\.EXECUTION_TIME > 0$/);
    expect(q.sqlText).not.toMatch(/2026|\d{10}/);
    expect(q.binds).toEqual(['2026-11-18 00:00:00 +0000', '2026-11-21 00:00:00 +0000', MIDNIGHT_21]);
    expect(q.sqlText.split('?')).toHaveLength(q.binds.length + 1);
  });

  it('select the same columns in both, in QUERY_COST_COLUMNS order', () => {
    for (const q of [
      queryAttributionQuery('2026-11-20', '2026-11-20'),
      queryHistoryQuery('2026-11-20', '2026-11-20'),
    ]) {
      const select = q.sqlText.slice('SELECT '.length, q.sqlText.indexOf(' FROM '));
      const names = select.split(/, (?![^()]*\))/).map((c) => /(\w+)$/.exec(c)?.[1]);
      expect(names).toEqual([...QUERY_COST_COLUMNS]);
    }
  });

  it('ask how far the view being read is published', () => {
    expect(queriesPublishedToQuery(true).sqlText).toBe(
      'SELECT MAX(DATE_PART(EPOCH_MILLISECOND, END_TIME)) AS LATEST_END_MS ' +
        'FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_ATTRIBUTION_HISTORY WHERE WAREHOUSE_ID > 0',
    );
    expect(queriesPublishedToQuery(false).sqlText).toContain('FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY WHERE');
  });
});

/** A session answering each statement by the view it reads; a view mapped to an Error fails up front. */
function fakeSession(answers: { attribution: Row[] | Error; history: Row[] | Error }) {
  const asked: { sqlText: string; binds: unknown[]; tag: string }[] = [];
  const connect: ConnectSnowflake = async () => ({
    async *stream(sqlText, binds, tag) {
      asked.push({ sqlText, binds, tag });
      const answer = sqlText.includes('QUERY_ATTRIBUTION_HISTORY') ? answers.attribution : answers.history;
      if (answer instanceof Error) throw answer;
      yield* answer;
    },
    close: async () => undefined,
  });
  return { connect, asked };
}

const queryRow = (values: Partial<Record<(typeof QUERY_COST_COLUMNS)[number], unknown>>): Row =>
  QUERY_COST_COLUMNS.map((c) =>
    c in values
      ? values[c]
      : {
          QUERY_ID: '01b8-0001',
          WAREHOUSE_ID: '7',
          WAREHOUSE_NAME: 'ETL_WH',
          QUERY_TAG: '{"dag_id":"daily_sales"}',
          USER_NAME: 'AIRFLOW_SVC',
          ROLE_NAME: 'TRANSFORMER',
          QUERY_PARAMETERIZED_HASH: 'abc123',
          EXECUTION_START_MS: String(Date.UTC(2026, 10, 20, 1, 0, 0, 250)),
          EXECUTION_END_MS: String(Date.UTC(2026, 10, 20, 1, 5)),
          CREDITS_ATTRIBUTED_COMPUTE: '0.123456789',
          WAREHOUSE_SIZE: 'Large',
        }[c],
  );

const denied = () =>
  new SnowflakePrivilegeError(
    "Snowflake role cannot read usage data: Object 'SNOWFLAKE.ACCOUNT_USAGE.QUERY_ATTRIBUTION_HISTORY' does not exist or not authorized.",
    '002003',
  );

describe('a query view that may not be read', () => {
  it('is a missing grant naming the database roles, not an unknown account (the message says ACCOUNT_USAGE)', () => {
    const err = Object.assign(
      new Error(
        "SQL compilation error:\nObject 'SNOWFLAKE.ACCOUNT_USAGE.QUERY_ATTRIBUTION_HISTORY' does not exist or not authorized.",
      ),
      { code: '002003' },
    );
    const classified = classifySnowflakeError(err, settings);
    expect(classified).toBeInstanceOf(SnowflakePrivilegeError);
    expect((classified as Error).message).toContain(
      'GRANT DATABASE ROLE SNOWFLAKE.USAGE_VIEWER TO ROLE SNOWPATROL; GRANT DATABASE ROLE SNOWFLAKE.GOVERNANCE_VIEWER TO ROLE SNOWPATROL',
    );
  });
});

describe('the Snowflake source’s queries', () => {
  it('reads typed records of the connected account, in batches, tagged, skipping pseudo-warehouses', async () => {
    const fake = fakeSession({
      attribution: [
        queryRow({}),
        queryRow({ QUERY_ID: '01b8-0002', QUERY_TAG: null, WAREHOUSE_SIZE: null }),
        queryRow({ QUERY_ID: '01b8-0003', WAREHOUSE_ID: '0' }),
      ],
      history: new Error('not expected'),
    });
    const source = createSnowflakeSource({ settings, connect: fake.connect, queryTag: '{"app":"snowpatrol"}' });
    const batches = await collect(source.readQueries!('2026-11-20', '2026-11-20', 1));
    expect(batches.map((b) => b.length)).toEqual([1, 1]);
    expect(batches[0][0]).toEqual({
      account: 'MYORG-PROD',
      warehouseId: 7,
      warehouseName: 'ETL_WH',
      queryId: '01b8-0001',
      queryTag: '{"dag_id":"daily_sales"}',
      userName: 'AIRFLOW_SVC',
      roleName: 'TRANSFORMER',
      queryHash: 'abc123',
      executionStart: new Date('2026-11-20T01:00:00.250Z'),
      executionEnd: new Date('2026-11-20T01:05:00Z'),
      credits: 0.123456789,
      warehouseSize: 'Large',
    });
    expect(batches[1][0]).toMatchObject({ queryTag: '', warehouseSize: undefined });
    expect(fake.asked.map((a) => a.tag)).toEqual(['{"app":"snowpatrol"}']);
  });

  it('falls back to QUERY_HISTORY (no credits) when attribution is not granted, warning once', async () => {
    const fake = fakeSession({
      attribution: denied(),
      history: [queryRow({ CREDITS_ATTRIBUTED_COMPUTE: null }), queryRow({ QUERY_ID: '01b8-0002' })],
    });
    const warnings: string[] = [];
    const source = createSnowflakeSource({
      settings,
      connect: fake.connect,
      queryTag: '{}',
      warn: (m) => warnings.push(m),
    });
    const first = (await collect(source.readQueries!('2026-11-20', '2026-11-20', 10))).flat();
    await collect(source.readQueries!('2026-11-21', '2026-11-21', 10));

    expect(first.map((q) => q.credits)).toEqual([undefined, 0.123456789]);
    expect(first[0]).toMatchObject({ queryId: '01b8-0001', roleName: 'TRANSFORMER', warehouseSize: 'Large' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('QUERY_ATTRIBUTION_HISTORY');
    expect(warnings[0]).toContain('execution time from QUERY_HISTORY');
    // Attribution is tried once; afterwards the source goes straight to QUERY_HISTORY.
    expect(fake.asked.map((a) => (a.sqlText.includes('QUERY_ATTRIBUTION_HISTORY') ? 'QAH' : 'QH'))).toEqual([
      'QAH',
      'QH',
      'QH',
    ]);
  });

  it('lets other failures through to be retried', async () => {
    const fake = fakeSession({ attribution: new Error('socket hang up'), history: [] });
    const source = createSnowflakeSource({ settings, connect: fake.connect, queryTag: '{}' });
    await expect(collect(source.readQueries!('2026-11-20', '2026-11-20', 10))).rejects.toThrow('socket hang up');
  });

  it('reports how far the attribution view is published, null when empty, QUERY_HISTORY’s when denied', async () => {
    const latest = Date.UTC(2026, 10, 20, 17, 42, 1, 5);
    const published = fakeSession({ attribution: [[String(latest)]], history: new Error('not expected') });
    expect(
      await createSnowflakeSource({ settings, connect: published.connect, queryTag: '{}' }).queriesPublishedTo!(),
    ).toEqual(new Date(latest));

    const empty = fakeSession({ attribution: [['NULL']], history: [] });
    expect(
      await createSnowflakeSource({ settings, connect: empty.connect, queryTag: '{}' }).queriesPublishedTo!(),
    ).toBe(null);

    const fallback = fakeSession({ attribution: denied(), history: [[String(latest - 1000)]] });
    expect(
      await createSnowflakeSource({ settings, connect: fallback.connect, queryTag: '{}' }).queriesPublishedTo!(),
    ).toEqual(new Date(latest - 1000));
  });
});
