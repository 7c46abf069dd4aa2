/** `model_versions` (immutable artifacts), `model_aliases` (movable names) and the log of alias moves. */
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import { modelAliasEvents, modelAliases, modelVersions } from '../../schemas/tables';
import type { Db } from './database';

export type Alias = 'champion' | 'latest';

/** Why an alias moved and who moved it; recorded in `model_alias_events`. */
export interface AliasMove {
  reason: 'training' | 'gate' | 'promote' | 'rollback';
  actor: string;
}

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

/**
 * Point `alias` of a warehouse at a model version (create or move), logging the move. Moving an alias to where
 * it already points changes nothing and logs nothing. Returns whether it moved.
 */
export async function setAlias(
  db: Db,
  warehouse: string,
  alias: Alias,
  modelVersionId: number,
  move: AliasMove,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select({ id: modelAliases.modelVersionId })
      .from(modelAliases)
      .where(and(eq(modelAliases.warehouse, warehouse), eq(modelAliases.alias, alias)))
      .for('update');
    if (current?.id === modelVersionId) return false;
    await tx
      .insert(modelAliases)
      .values({ warehouse, alias, modelVersionId })
      .onConflictDoUpdate({
        target: [modelAliases.warehouse, modelAliases.alias],
        set: { modelVersionId, updatedAt: sql`now()` },
      });
    await tx.insert(modelAliasEvents).values({
      warehouse,
      alias,
      fromModelVersionId: current?.id ?? null,
      toModelVersionId: modelVersionId,
      reason: move.reason,
      actor: move.actor,
    });
    return true;
  });
}

/** The version an alias points at, if any. */
export async function aliasTarget(db: Db, warehouse: string, alias: Alias): Promise<ModelVersion | undefined> {
  const [row] = await db
    .select({ model: modelVersions })
    .from(modelAliases)
    .innerJoin(modelVersions, eq(modelVersions.id, modelAliases.modelVersionId))
    .where(and(eq(modelAliases.warehouse, warehouse), eq(modelAliases.alias, alias)));
  return row?.model;
}

/**
 * Move `alias` to this version unless it already points at one trained on more recent data, so a backfill of
 * an old day never drags an alias backwards. Returns whether it moved.
 */
export async function advanceAlias(db: Db, model: ModelVersion, alias: Alias, move: AliasMove): Promise<boolean> {
  const current = await aliasTarget(db, model.warehouse, alias);
  if (current && current.trainedTo > model.trainedTo) return false;
  return setAlias(db, model.warehouse, alias, model.id, move);
}

/** One version of a warehouse by number. */
export async function findVersion(db: Db, warehouse: string, version: number): Promise<ModelVersion | undefined> {
  const [row] = await db
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.warehouse, warehouse), eq(modelVersions.version, version)));
  return row;
}

/** Where `champion` pointed before its current target (for `models rollback`), if it ever moved. */
export async function previousChampion(db: Db, warehouse: string): Promise<ModelVersion | undefined> {
  const [event] = await db
    .select({ from: modelAliasEvents.fromModelVersionId })
    .from(modelAliasEvents)
    .where(and(eq(modelAliasEvents.warehouse, warehouse), eq(modelAliasEvents.alias, 'champion')))
    .orderBy(desc(modelAliasEvents.id))
    .limit(1);
  if (!event?.from) return undefined;
  const [row] = await db.select().from(modelVersions).where(eq(modelVersions.id, event.from));
  return row;
}

/** The alias moves of a warehouse, newest first. */
export async function aliasHistory(db: Db, warehouse: string) {
  return db
    .select()
    .from(modelAliasEvents)
    .where(eq(modelAliasEvents.warehouse, warehouse))
    .orderBy(desc(modelAliasEvents.id));
}

/**
 * The model to judge `day` with, point in time — only a model trained on days before `day` may judge it:
 * `champion` if it qualifies, else `latest` when there is no champion, else (a backfill of a day older than
 * both) the newest version trained before `day` that the promotion gate did not reject.
 */
export async function modelForDay(
  db: Db,
  warehouse: string,
  day: string,
  featureVersion: string,
): Promise<ModelVersion | undefined> {
  return (await modelPicker(db, warehouse, featureVersion))(day);
}

/**
 * `modelForDay` for many days of one warehouse: the aliases are read once, and only days they cannot judge
 * (older than both) query the versions.
 */
export async function modelPicker(
  db: Db,
  warehouse: string,
  featureVersion: string,
): Promise<(day: string) => Promise<ModelVersion | undefined>> {
  const champion = await aliasTarget(db, warehouse, 'champion');
  const latest = champion ? undefined : await aliasTarget(db, warehouse, 'latest');
  return async (day) => {
    for (const alias of [champion, latest]) {
      if (alias && alias.trainedTo < day && alias.featureVersion === featureVersion) return alias;
    }
    return newestUsableVersion(db, warehouse, day, featureVersion);
  };
}

/** The newest version trained before `day` with these features that the promotion gate did not reject. */
async function newestUsableVersion(
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
        sql`coalesce((${modelVersions.promotion} ->> 'promoted')::boolean, true)`,
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
  /** The gate's verdict, when the version was gated. */
  promoted: boolean | null;
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
      promoted: sql<boolean | null>`(${modelVersions.promotion} ->> 'promoted')::boolean`,
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
