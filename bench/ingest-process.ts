/**
 * The measured side: the real extract activity (heartbeats included) with the snowflake-sdk source, reading
 * from the emulator at EMULATOR_URL into the Postgres at DATABASE_URL. Samples its own RSS every 50 ms and
 * prints one JSON line of results.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createIngestActivities } from '../activities/ingest-activities';
import { openSource } from '../activities/sources';
import { openDatabase } from '../activities/store/database';
import type { SnowflakeSettings } from '../schemas/snowflake-config';
import { BENCH_FROM, lastDay } from './synthetic-org';

async function main(): Promise<void> {
  const days = Number(process.argv[2]);
  const settings: SnowflakeSettings = {
    account: process.env.EMULATOR_ACCOUNT as string,
    user: 'BENCH',
    role: undefined,
    warehouse: undefined,
    auth: { kind: 'password', password: 'bench-password' },
    usageSchema: 'ORGANIZATION_USAGE',
    accounts: undefined,
    accountLabel: 'BENCH',
    accessUrl: process.env.EMULATOR_URL,
    logLevel: 'ERROR',
    queryTimeoutSeconds: 600,
  };
  const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL });
  const rssStart = process.memoryUsage().rss;
  let rssPeak = rssStart;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  const activities = createIngestActivities({
    db: database.db,
    openSource: (spec, context) =>
      openSource(spec, { demoSeed: 0, cwd: process.cwd(), snowflake: settings, ...context }),
    defaultSource: 'snowflake',
  });
  const env = new MockActivityEnvironment();
  const started = process.hrtime.bigint();
  const result: { rowsRead: number; rowsUpserted: number } = await env.run(activities.extractWarehouseMetering, {
    source: 'snowflake',
    from: BENCH_FROM,
    to: lastDay(days),
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  await database.close();
  process.stdout.write(
    `${JSON.stringify({
      rows: result.rowsRead,
      upserted: result.rowsUpserted,
      days,
      seconds,
      rowsPerSecond: result.rowsRead / seconds,
      rssStartMB: rssStart / 2 ** 20,
      rssPeakMB: rssPeak / 2 ** 20,
    })}\n`,
  );
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
