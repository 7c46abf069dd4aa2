import { SnowflakePrivilegeError } from '../../activities/sources/snowflake/errors';
import { METERING_COLUMNS, PRICE_COLUMNS } from '../../activities/sources/snowflake/queries';
import type { ConnectSnowflake, Row } from '../../activities/sources/snowflake/session';
import { createSnowflakeSource } from '../../activities/sources/snowflake/snowflake-source';
import { snowflakeSettings } from '../fixtures/snowflake-settings';

const settings = snowflakeSettings({ auth: { kind: 'password', password: 'x' } });

/** A session that answers every statement with `rows` (or throws `error`) and records what it was asked. */
function fakeSession(rows: Row[], error?: Error) {
  const asked: { sqlText: string; binds: unknown[]; tag: string }[] = [];
  let connects = 0;
  let closes = 0;
  const connect: ConnectSnowflake = async () => {
    connects++;
    return {
      async *stream(sqlText, binds, tag) {
        asked.push({ sqlText, binds, tag });
        if (error) throw error;
        yield* rows;
      },
      close: async () => {
        closes++;
      },
    };
  };
  return { connect, asked, counts: () => ({ connects, closes }) };
}

/** A metering result row as the driver returns it: an array in column order, numbers as text. */
const meteringRow = (values: Record<(typeof METERING_COLUMNS)[number], unknown>): Row =>
  METERING_COLUMNS.map((c) => values[c]);
const priceRow = (values: Record<(typeof PRICE_COLUMNS)[number], unknown>): Row => PRICE_COLUMNS.map((c) => values[c]);

const hour = (h: number, id = 7): Row =>
  meteringRow({
    ACCOUNT_NAME: 'PROD',
    WAREHOUSE_ID: String(id),
    WAREHOUSE_NAME: 'ETL_WH',
    START_EPOCH: String(Date.UTC(2026, 10, 20, h) / 1000),
    END_EPOCH: String(Date.UTC(2026, 10, 20, h + 1) / 1000),
    CREDITS_USED: '1.250000000',
    CREDITS_USED_COMPUTE: '1.200000000',
    CREDITS_USED_CLOUD_SERVICES: '0.050000000',
  });

async function collect<T>(it: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const batch of it) out.push(batch);
  return out;
}

describe('the Snowflake metering source', () => {
  it('streams typed rows in batches over one connection, tagged, and closes it', async () => {
    const fake = fakeSession([hour(0), hour(1), hour(2), hour(3, 0)]);
    const source = createSnowflakeSource({ settings, connect: fake.connect, queryTag: '{"app":"snowpatrol"}' });

    const batches = await collect(source.read('2026-11-20', '2026-11-20', 2));
    await collect(source.read('2026-11-21', '2026-11-21', 2));
    await source.close?.();

    expect(batches.map((b) => b.length)).toEqual([2, 1]); // the pseudo-warehouse (id 0) is skipped
    expect(batches[0][0]).toEqual({
      account: 'PROD',
      warehouseId: 7,
      warehouseName: 'ETL_WH',
      startTime: new Date('2026-11-20T00:00:00Z'),
      endTime: new Date('2026-11-20T01:00:00Z'),
      creditsUsed: 1.25,
      creditsUsedCompute: 1.2,
      creditsUsedCloudServices: 0.05,
    });
    expect(fake.counts()).toEqual({ connects: 1, closes: 1 });
    expect(fake.asked.map((a) => a.tag)).toEqual(['{"app":"snowpatrol"}', '{"app":"snowpatrol"}']);
    expect(fake.asked[1].binds).toEqual(['2026-11-21 00:00:00 +0000', '2026-11-22 00:00:00 +0000']);
  });

  it('labels ACCOUNT_USAGE rows (no ACCOUNT_NAME) with the configured account label', async () => {
    const withoutAccount = hour(5);
    withoutAccount[METERING_COLUMNS.indexOf('ACCOUNT_NAME')] = null;
    const fake = fakeSession([withoutAccount]);
    const source = createSnowflakeSource({
      settings: { ...settings, usageSchema: 'ACCOUNT_USAGE' },
      connect: fake.connect,
      queryTag: '{}',
    });
    const [[row]] = await collect(source.read('2026-11-20', '2026-11-20', 10));
    expect(row.account).toBe('MYORG-PROD');
  });

  it('prices a credit as currency spent over credits used, per account and day', async () => {
    const fake = fakeSession([
      priceRow({
        ACCOUNT_NAME: 'PROD',
        USAGE_DATE: new Date('2026-11-20T00:00:00Z'),
        CURRENCY: 'USD',
        USAGE_IN_CURRENCY: '300',
        USAGE: '100',
      }),
      priceRow({ ACCOUNT_NAME: 'IDLE', USAGE_DATE: '2026-11-20', CURRENCY: 'USD', USAGE_IN_CURRENCY: '0', USAGE: '0' }),
    ]);
    const source = createSnowflakeSource({ settings, connect: fake.connect, queryTag: '{}' });
    expect(await source.readCreditPrices?.('2026-11-20', '2026-11-20')).toEqual([
      { account: 'PROD', usageDate: '2026-11-20', currency: 'USD', pricePerCredit: 3 },
    ]);
  });

  it('falls back (undefined, with a warning) when the billing view is not granted', async () => {
    const denied = new SnowflakePrivilegeError(
      'Snowflake role cannot read usage data: … ORGANIZATION_BILLING_VIEWER',
      '003001',
    );
    const fake = fakeSession([], denied);
    const warnings: string[] = [];
    const source = createSnowflakeSource({
      settings,
      connect: fake.connect,
      queryTag: '{}',
      warn: (m) => warnings.push(m),
    });
    expect(await source.readCreditPrices?.('2026-11-20', '2026-11-20')).toBeUndefined();
    expect(warnings[0]).toContain('Using SNOWPATROL_PRICE_PER_CREDIT instead');
  });

  it('lets other failures through to be retried', async () => {
    const fake = fakeSession([], new Error('socket hang up'));
    const source = createSnowflakeSource({ settings, connect: fake.connect, queryTag: '{}' });
    await expect(collect(source.read('2026-11-20', '2026-11-20', 10))).rejects.toThrow('socket hang up');
  });
});
