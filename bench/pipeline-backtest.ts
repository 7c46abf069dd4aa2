/**
 * The backtest stage of the pipeline benchmark, in its own process so its memory is measured alone:
 * `snowpatrol backtest`'s engine (client/backtest/run.ts runBacktest, with the worker's detection settings,
 * 90 training days, retrained every 7 days) over the daily totals the pipeline loaded into Postgres.
 *
 *   tsx bench/pipeline-backtest.ts FROM TO
 *
 * The source is `metering_daily` presented as a metering source with one row per warehouse-day (midnight UTC,
 * the day's credits): runBacktest sums rows by UTC day, so it sees exactly the totals 24 hourly rows would give,
 * and the read measures a state-database scan rather than a Snowflake round trip. Needs DATABASE_URL. Prints
 * one JSON line.
 */
import postgres from 'postgres';
import type { HourlyMeteringRow, MeteringSource } from '../activities/sources';
import { runBacktest } from '../client/backtest/run';
import { loadConfig } from '../schemas/config';
import { dayToMs } from '../schemas/dates';
import { DEFAULTS } from '../schemas/inputs';
import { memoryOf } from './pipeline-processes';

/** Backtest retraining cadence: the CLI's default. */
export const RETRAIN_EVERY_DAYS = 7;

/** metering_daily as a MeteringSource: one row per warehouse-day. */
export function dailyTotalsSource(sql: postgres.Sql): MeteringSource {
  return {
    spec: 'postgres:metering_daily',
    chunkDays: Number.MAX_SAFE_INTEGER,
    async *read(from: string, to: string, batchSize: number): AsyncIterable<HourlyMeteringRow[]> {
      const cursor = sql<{ account: string; warehouse_name: string; usage_date: string; credits_used: string }[]>`
        select account, warehouse_name, usage_date::text as usage_date, credits_used::text as credits_used
        from metering_daily where usage_date between ${from}::date and ${to}::date`.cursor(batchSize);
      for await (const rows of cursor) {
        yield rows.map((r) => {
          const start = dayToMs(r.usage_date);
          return {
            account: r.account,
            warehouseId: 1,
            warehouseName: r.warehouse_name,
            startTime: new Date(start),
            endTime: new Date(start + 86_400_000),
            creditsUsed: Number(r.credits_used),
            creditsUsedCompute: Number(r.credits_used),
            creditsUsedCloudServices: 0,
          };
        });
      }
    },
  };
}

async function main(): Promise<void> {
  const [from, to] = process.argv.slice(2);
  const config = loadConfig(process.env);
  const sql = postgres(config.databaseUrl as string, { max: 2, onnotice: () => undefined });
  try {
    const started = performance.now();
    const run = await runBacktest({
      source: dailyTotalsSource(sql),
      from,
      to,
      trainingDays: DEFAULTS.trainingDays,
      retrainEveryDays: RETRAIN_EVERY_DAYS,
      detection: config.detection,
      compare: false,
      // Its rows here are daily totals, one per warehouse-day, not hourly rows.
      progress: (line) => process.stderr.write(`    ${line.trim().replace('hourly rows', 'warehouse-day rows')}\n`),
    });
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `${JSON.stringify({
        from,
        to,
        seconds,
        readSeconds: run.seconds.read,
        backtestSeconds: run.seconds.backtest,
        warehouses: run.warehouses,
        judgedDays: run.judgedDays,
        unscoredDays: run.unscoredDays,
        models: run.models,
        flagged: run.flags.length,
        rssPeakMB: (memoryOf(process.pid)?.hwmKB ?? 0) / 1024,
      })}\n`,
    );
  } finally {
    await sql.end({ timeout: 5 });
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
