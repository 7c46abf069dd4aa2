/** `model_versions` (immutable artifacts) and `model_aliases` (movable names). */
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import { modelAliases, modelVersions } from '../../schemas/tables';
import type { Db } from './database';

export type NewModelVersion = Omit<typeof modelVersions.$inferInsert, 'id' | 'version' | 'createdAt'>;
export type ModelVersion = typeof modelVersions.$inferSelect;

/** The version already trained from exactly this data and configuration, if any. */
export async function findByFingerprint(
  db: Db,
  warehouse: string,
  fingerprint: string,
): Promise<ModelVersion | undefined> {
  const [row] = await db
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.warehouse, warehouse), eq(modelVersions.dataFingerprint, fingerprint)));
  return row;
}

/**
 * Insert a new version numbered one past the warehouse's newest. Concurrent trainers of the same warehouse
 * race on the unique (warehouse, version) index; the loser retries with the next number, and a duplicate
 * fingerprint returns the existing version instead.
 */
export async function insertModelVersion(
  db: Db,
  model: NewModelVersion,
): Promise<{ row: ModelVersion; created: boolean }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await findByFingerprint(db, model.warehouse, model.dataFingerprint);
    if (existing) return { row: existing, created: false };
    const [{ next }] = await db
      .select({ next: sql<number>`coalesce(max(${modelVersions.version}), 0)::int + 1` })
      .from(modelVersions)
      .where(eq(modelVersions.warehouse, model.warehouse));
    const inserted = await db
      .insert(modelVersions)
      .values({ ...model, version: next })
      .onConflictDoNothing()
      .returning();
    if (inserted.length === 1) return { row: inserted[0], created: true };
  }
  throw new Error(`could not allocate a model version for ${model.warehouse} after 5 attempts`);
}

/** Point `alias` of a warehouse at a model version (create or move). */
export async function setAlias(db: Db, warehouse: string, alias: string, modelVersionId: number): Promise<void> {
  await db
    .insert(modelAliases)
    .values({ warehouse, alias, modelVersionId })
    .onConflictDoUpdate({
      target: [modelAliases.warehouse, modelAliases.alias],
      set: { modelVersionId, updatedAt: sql`now()` },
      setWhere: sql`${modelAliases.modelVersionId} <> ${modelVersionId}`,
    });
}

/**
 * Move `latest` to this version unless it already points at one trained on more recent data, so a backfill of
 * an old day never drags `latest` backwards.
 */
export async function advanceLatest(db: Db, model: ModelVersion): Promise<void> {
  const [current] = await db
    .select({ trainedTo: modelVersions.trainedTo })
    .from(modelAliases)
    .innerJoin(modelVersions, eq(modelVersions.id, modelAliases.modelVersionId))
    .where(and(eq(modelAliases.warehouse, model.warehouse), eq(modelAliases.alias, 'latest')));
  if (!current || current.trainedTo <= model.trainedTo) await setAlias(db, model.warehouse, 'latest', model.id);
}

/**
 * The model to judge `day` with, point in time: the newest version whose training data ended before `day`
 * and whose features match.
 */
export async function modelForDay(
  db: Db,
  warehouse: string,
  day: string,
  featureVersion: string,
): Promise<ModelVersion | undefined> {
  const [row] = await db
    .select()
    .from(modelVersions)
    .where(
      and(
        eq(modelVersions.warehouse, warehouse),
        lt(modelVersions.trainedTo, day),
        eq(modelVersions.featureVersion, featureVersion),
      ),
    )
    .orderBy(desc(modelVersions.trainedTo), desc(modelVersions.version))
    .limit(1);
  return row;
}

export interface ModelSummary {
  id: number;
  warehouse: string;
  version: number;
  algorithm: string;
  trainedFrom: string;
  trainedTo: string;
  threshold: number;
  artifactSha256: string;
  aliases: string[];
  createdAt: Date;
}

/** Every model version with its aliases, newest first per warehouse (no artifact bytes). */
export async function listModels(db: Db): Promise<ModelSummary[]> {
  const versions = await db
    .select({
      id: modelVersions.id,
      warehouse: modelVersions.warehouse,
      version: modelVersions.version,
      algorithm: modelVersions.algorithm,
      trainedFrom: modelVersions.trainedFrom,
      trainedTo: modelVersions.trainedTo,
      threshold: modelVersions.threshold,
      artifactSha256: modelVersions.artifactSha256,
      createdAt: modelVersions.createdAt,
    })
    .from(modelVersions)
    .orderBy(modelVersions.warehouse, desc(modelVersions.version));
  const aliases = await db.select().from(modelAliases);
  return versions.map((v) => ({
    ...v,
    aliases: aliases.filter((a) => a.modelVersionId === v.id).map((a) => a.alias),
  }));
}
