/** The data behind an alert's chart: a warehouse's recent days with the expected band and the anomalies marked. */
import { and, eq, gte, lte, notInArray } from 'drizzle-orm';
import { addDays, eachDay } from '../../schemas/dates';
import { anomalies } from '../../schemas/tables';
import type { ChartDay } from '../slack/chart';
import type { Db } from './database';
import { readFeatures } from './feature-store';

/** The band drawn around expected: ± this many typical deviations of the weekday. */
export const BAND_DEVIATIONS = 2;

/** `days` days of one warehouse ending at `focus`; a day without features has actual/expected null. */
export async function chartDays(
  db: Db,
  warehouse: string,
  focus: string,
  featureVersion: string,
  days = 60,
): Promise<ChartDay[]> {
  const from = addDays(focus, 1 - days);
  const features = new Map(
    (await readFeatures(db, warehouse, from, focus, featureVersion)).map((f) => [f.usageDate, f]),
  );
  const marked = await db
    .select({ day: anomalies.usageDate, direction: anomalies.direction })
    .from(anomalies)
    .where(
      and(
        eq(anomalies.warehouse, warehouse),
        gte(anomalies.usageDate, from),
        lte(anomalies.usageDate, focus),
        // Days people called ordinary, and days a restatement made ordinary, are not marked.
        notInArray(anomalies.status, ['false_positive', 'resolved']),
      ),
    );
  const direction = new Map(marked.map((m) => [m.day, m.direction]));
  return eachDay(from, focus).map((date): ChartDay => {
    const f = features.get(date);
    const expected = f ? f.trend + f.seasonal : null;
    const spread = f ? BAND_DEVIATIONS * f.scale : 0;
    const anomaly = direction.get(date);
    return {
      date,
      actual: f ? f.credits : null,
      expected,
      low: expected === null ? null : Math.max(0, expected - spread),
      high: expected === null ? null : expected + spread,
      ...(anomaly ? { anomaly } : {}),
    };
  });
}
