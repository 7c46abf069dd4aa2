/** Row counts of every table: what a re-run must leave unchanged. */
import { sql } from 'drizzle-orm';
import type { Db } from '../../activities/store/database';

const TABLES = [
  'metering_hourly',
  'metering_daily',
  'features_daily',
  'model_versions',
  'model_aliases',
  'anomalies',
  'notifications',
  'attribution_hourly',
  'cost_daily',
] as const;

export type TableCounts = Record<(typeof TABLES)[number], number>;

export async function tableCounts(db: Db): Promise<TableCounts> {
  const counts = {} as TableCounts;
  for (const table of TABLES) {
    const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(sql`${sql.identifier(table)}`);
    counts[table] = row.n;
  }
  return counts;
}
