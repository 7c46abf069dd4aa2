import { creditPriceQuery, meteringQuery, readinessQuery } from '../../activities/sources/snowflake/queries';

describe('Snowflake queries', () => {
  it('read one day of organisation metering with every value bound, none in the SQL text', () => {
    const q = meteringQuery({ usageSchema: 'ORGANIZATION_USAGE', accounts: undefined }, '2026-11-20', '2026-11-20');
    expect(q.sqlText).toContain('FROM SNOWFLAKE.ORGANIZATION_USAGE.WAREHOUSE_METERING_HISTORY');
    expect(q.sqlText).toContain('WHERE START_TIME >= ? AND START_TIME < ? AND WAREHOUSE_ID > 0');
    expect(q.sqlText).not.toMatch(/2026/);
    expect(q.binds).toEqual(['2026-11-20 00:00:00 +0000', '2026-11-21 00:00:00 +0000']);
  });

  it('bind an account filter as one placeholder per account', () => {
    const q = meteringQuery(
      { usageSchema: 'ORGANIZATION_USAGE', accounts: ['PROD', "O'BRIEN"] },
      '2026-11-01',
      '2026-11-03',
    );
    expect(q.sqlText).toMatch(/AND ACCOUNT_NAME IN \(\?, \?\)$/);
    expect(q.sqlText).not.toContain('BRIEN');
    expect(q.binds).toEqual(['2026-11-01 00:00:00 +0000', '2026-11-04 00:00:00 +0000', 'PROD', "O'BRIEN"]);
  });

  it('read ACCOUNT_USAGE without an ACCOUNT_NAME column', () => {
    const q = meteringQuery({ usageSchema: 'ACCOUNT_USAGE', accounts: ['IGNORED'] }, '2026-11-20', '2026-11-20');
    expect(q.sqlText).toContain('SELECT NULL AS ACCOUNT_NAME');
    expect(q.sqlText).toContain('FROM SNOWFLAKE.ACCOUNT_USAGE.WAREHOUSE_METERING_HISTORY');
    expect(q.binds).toHaveLength(2);
  });

  it('price compute credits from USAGE_IN_CURRENCY_DAILY, bound', () => {
    const q = creditPriceQuery({ usageSchema: 'ORGANIZATION_USAGE', accounts: undefined }, '2026-11-01', '2026-11-20');
    expect(q.sqlText).toContain('FROM SNOWFLAKE.ORGANIZATION_USAGE.USAGE_IN_CURRENCY_DAILY');
    expect(q.binds).toEqual(['2026-11-01', '2026-11-20', 'compute']);
  });
});

describe('Snowflake readiness query', () => {
  it('take the latest END_TIME per account over [day − 7, day + 2), bound, in one grouped query', () => {
    const q = readinessQuery({ usageSchema: 'ORGANIZATION_USAGE', accounts: undefined }, '2026-11-20');
    expect(q.sqlText).toBe(
      'SELECT ACCOUNT_NAME, MAX(DATE_PART(EPOCH_SECOND, END_TIME)) AS LATEST_END_EPOCH ' +
        'FROM SNOWFLAKE.ORGANIZATION_USAGE.WAREHOUSE_METERING_HISTORY ' +
        'WHERE START_TIME >= ? AND START_TIME < ? AND WAREHOUSE_ID > 0 GROUP BY ACCOUNT_NAME',
    );
    expect(q.binds).toEqual(['2026-11-13 00:00:00 +0000', '2026-11-22 00:00:00 +0000']);
  });

  it('bind the configured accounts, before the GROUP BY', () => {
    const q = readinessQuery({ usageSchema: 'ORGANIZATION_USAGE', accounts: ['PROD', "O'BRIEN"] }, '2026-03-01');
    expect(q.sqlText).toMatch(/WAREHOUSE_ID > 0 AND ACCOUNT_NAME IN \(\?, \?\) GROUP BY ACCOUNT_NAME$/);
    expect(q.sqlText).not.toMatch(/2026|BRIEN/);
    expect(q.binds).toEqual(['2026-02-22 00:00:00 +0000', '2026-03-03 00:00:00 +0000', 'PROD', "O'BRIEN"]);
  });

  it('read ACCOUNT_USAGE as one ungrouped row with a NULL account, ignoring the account filter', () => {
    const q = readinessQuery({ usageSchema: 'ACCOUNT_USAGE', accounts: ['IGNORED'] }, '2026-11-20');
    expect(q.sqlText).toContain('SELECT NULL AS ACCOUNT_NAME, MAX(DATE_PART(EPOCH_SECOND, END_TIME))');
    expect(q.sqlText).toContain('FROM SNOWFLAKE.ACCOUNT_USAGE.WAREHOUSE_METERING_HISTORY');
    expect(q.sqlText).not.toMatch(/GROUP BY|IGNORED/);
    expect(q.binds).toEqual(['2026-11-13 00:00:00 +0000', '2026-11-22 00:00:00 +0000']);
  });
});
