/** `features_daily`: point-in-time features per warehouse-day. */
import { and, asc, eq, gte, lte, sql } from 'drizzle-orm';
import { featuresDaily } from '../../schemas/tables';
import type { FeatureRow } from '../ml/features';
import type { Db } from './database';

const BATCH = 2000;

/** Upsert feature rows for one warehouse; returns the rows written or changed. */
export async function upsertFeatures(
  db: Db,
  warehouse: string,
  rows: readonly FeatureRow[],
  featureVersion: string,
): Promise<number> {
  let written = 0;
  for (let i = 0; i < rows.length; i += BATCH) {
    const chunk = rows.slice(i, i + BATCH).map((r) => ({ ...r, warehouse, featureVersion }));
    const result = await db
      .insert(featuresDaily)
      .values(chunk)
      .onConflictDoUpdate({
        target: [featuresDaily.warehouse, featuresDaily.usageDate],
        set: {
          credits: sql`excluded.credits`,
          trend: sql`excluded.trend`,
          seasonal: sql`excluded.seasonal`,
          residual: sql`excluded.residual`,
          sma30: sql`excluded.sma30`,
          std30: sql`excluded.std30`,
          scale: sql`excluded.scale`,
          featureVersion: sql`excluded.feature_version`,
        },
        setWhere: sql`(${featuresDaily.credits}, ${featuresDaily.trend}, ${featuresDaily.seasonal},
          ${featuresDaily.residual}, ${featuresDaily.sma30}, ${featuresDaily.std30}, ${featuresDaily.scale},
          ${featuresDaily.featureVersion})
          is distinct from (excluded.credits, excluded.trend, excluded.seasonal, excluded.residual,
          excluded.sma30, excluded.std30, excluded.scale, excluded.feature_version)`,
      })
      .returning({ day: featuresDaily.usageDate });
    written += result.length;
  }
  return written;
}

/** Feature rows of one warehouse from … to (inclusive) with the given feature version, in day order. */
export async function readFeatures(
  db: Db,
  warehouse: string,
  from: string,
  to: string,
  featureVersion: string,
): Promise<FeatureRow[]> {
  return db
    .select({
      usageDate: featuresDaily.usageDate,
      credits: featuresDaily.credits,
      trend: featuresDaily.trend,
      seasonal: featuresDaily.seasonal,
      residual: featuresDaily.residual,
      sma30: featuresDaily.sma30,
      std30: featuresDaily.std30,
      scale: featuresDaily.scale,
    })
    .from(featuresDaily)
    .where(
      and(
        eq(featuresDaily.warehouse, warehouse),
        gte(featuresDaily.usageDate, from),
        lte(featuresDaily.usageDate, to),
        eq(featuresDaily.featureVersion, featureVersion),
      ),
    )
    .orderBy(asc(featuresDaily.usageDate));
}

/** Warehouses with features on some day from … to. */
export async function warehousesWithFeatures(db: Db, from: string, to: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ warehouse: featuresDaily.warehouse })
    .from(featuresDaily)
    .where(and(gte(featuresDaily.usageDate, from), lte(featuresDaily.usageDate, to)))
    .orderBy(asc(featuresDaily.warehouse));
  return rows.map((r) => r.warehouse);
}
