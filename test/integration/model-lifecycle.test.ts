/**
 * Model versions against the real Postgres, without a Temporal server: the demo organisation loaded for 150 days,
 * features computed, then training, reuse by fingerprint, the promotion gate, feedback leaving (and re-entering)
 * the training set, and point-in-time model choice. The tests run in order and build on each other.
 */
import { createHash } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { featureVersion } from '../../activities/ml/features';
import { parseArtifact } from '../../activities/ml/isolation-forest';
import type { GateComparison } from '../../activities/ml/promotion';
import { openDatabase, type Database } from '../../activities/store/database';
import { recordFeedback } from '../../activities/store/feedback-store';
import { aliasTarget, modelForDay, type ModelVersion } from '../../activities/store/model-store';
import { createTrainActivities, detectorParams, type TrainWarehouseResult } from '../../activities/train-activities';
import { addDays, eachDay } from '../../schemas/dates';
import { DETECTION_DEFAULTS, type DetectionSettings } from '../../schemas/detection-config';
import { anomalies, modelAliasEvents, modelVersions } from '../../schemas/tables';
import { computeFeatures, loadDemoMetering, scoreDays } from '../fixtures/demo-state';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';

const DEMO_FROM = '2026-01-01';
const DEMO_TO = '2026-05-30'; // 150 days
const WH = 'ACME_PROD.ETL_WH';
const FEATURES = featureVersion(DETECTION_DEFAULTS.windowDays);
const WINDOW_A = { trainedFrom: '2026-01-15', trainedTo: '2026-03-31' };
const WINDOW_B = { trainedFrom: '2026-02-15', trainedTo: '2026-04-30' };
/** Covers May, where the champion trained on WINDOW_A finds anomalies to give feedback on. */
const WINDOW_D = { trainedFrom: '2026-03-01', trainedTo: DEMO_TO };
/** A gate no candidate can pass once there is a champion: the alert rate would have to fall by 100 points. */
const REJECTING: DetectionSettings = {
  ...DETECTION_DEFAULTS,
  promotion: { ...DETECTION_DEFAULTS.promotion, alertRateBudget: -1 },
};

let testDb: TestDatabase;
let database: Database;
let first: ModelVersion;
let second: ModelVersion;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.url, maxConnections: 4 });
  await loadDemoMetering(database.db, DEMO_FROM, DEMO_TO, 42);
  await computeFeatures(database.db, DEMO_TO);
}, 120_000);

afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

const db = () => database.db;

function train(
  window: { trainedFrom: string; trainedTo: string },
  settings: DetectionSettings = DETECTION_DEFAULTS,
  lineage: { workflowId?: string; runId?: string } = {},
) {
  return createTrainActivities({ db: db(), detection: settings }).trainWarehouseModel({
    warehouse: WH,
    ...window,
    ...lineage,
  });
}

function trained(result: TrainWarehouseResult) {
  if (result.status !== 'trained') throw new Error(`expected a trained model, got ${JSON.stringify(result)}`);
  return result;
}

async function versionById(id: number): Promise<ModelVersion> {
  const [row] = await db().select().from(modelVersions).where(eq(modelVersions.id, id));
  return row;
}

const versionsOf = () =>
  db().select().from(modelVersions).where(eq(modelVersions.warehouse, WH)).orderBy(asc(modelVersions.version));

const aliasEvents = () =>
  db().select().from(modelAliasEvents).where(eq(modelAliasEvents.warehouse, WH)).orderBy(asc(modelAliasEvents.id));

test('training the same window twice gives one version; latest and champion point at it, each moved once', async () => {
  const once = trained(await train(WINDOW_A, DETECTION_DEFAULTS, { workflowId: 'train-wf-1', runId: 'run-1' }));
  const twice = trained(await train(WINDOW_A, DETECTION_DEFAULTS, { workflowId: 'train-wf-2', runId: 'run-2' }));

  expect(once).toMatchObject({ status: 'trained', version: 1, created: true, champion: true });
  expect(twice).toMatchObject({ modelVersionId: once.modelVersionId, version: 1, created: false, champion: true });
  first = await versionById(once.modelVersionId);
  expect(await versionsOf()).toEqual([first]);
  expect((await aliasTarget(db(), WH, 'latest'))?.id).toBe(first.id);
  expect((await aliasTarget(db(), WH, 'champion'))?.id).toBe(first.id);

  const events = await aliasEvents();
  expect(events.map((e) => e.alias).sort()).toEqual(['champion', 'latest']);
  for (const e of events) expect(e).toMatchObject({ fromModelVersionId: null, toModelVersionId: first.id });
  expect(events.find((e) => e.alias === 'champion')?.reason).toBe('gate');
  expect(events.find((e) => e.alias === 'latest')?.reason).toBe('training');
});

test('a version records params, seed, window, features, fingerprint, artifact hash, metrics, lineage and the gate', () => {
  expect(first).toMatchObject({
    warehouse: WH,
    version: 1,
    params: detectorParams(DETECTION_DEFAULTS),
    seed: DETECTION_DEFAULTS.seed,
    trainedFrom: WINDOW_A.trainedFrom,
    trainedTo: WINDOW_A.trainedTo,
    featureVersion: FEATURES,
    workflowId: 'train-wf-1',
    runId: 'run-1',
  });
  expect(first.params).toMatchObject({
    filters: DETECTION_DEFAULTS.filters,
    threshold: { method: 'mean+k*std', k: DETECTION_DEFAULTS.thresholdK },
  });
  expect(first.dataFingerprint).toMatch(/^[0-9a-f]{64}$/);
  expect(first.artifactSha256).toBe(createHash('sha256').update(first.artifact).digest('hex'));
  expect(first.artifactSha256).not.toBe(first.dataFingerprint);
  expect(parseArtifact(first.artifact)).toBeTruthy();
  expect(first.threshold).toBeGreaterThan(0);
  expect(first.threshold).toBeLessThan(1);
  const trainingDays = eachDay(WINDOW_A.trainedFrom, WINDOW_A.trainedTo).length;
  expect(first.metrics).toEqual({
    trainingDays,
    trainingFlagged: expect.any(Number),
    scoreMean: expect.any(Number),
    scoreMax: expect.any(Number),
    excludedDays: 0,
  });
  const backtestDays = DETECTION_DEFAULTS.promotion.backtestDays;
  expect(first.promotion).toEqual({
    from: addDays(WINDOW_A.trainedTo, 1 - backtestDays),
    to: WINDOW_A.trainedTo,
    days: backtestDays,
    candidateAlerts: expect.any(Number),
    budget: DETECTION_DEFAULTS.promotion.alertRateBudget,
    championVersion: null,
    championAlerts: null,
    promoted: true,
    reason: 'no champion yet',
  } satisfies Record<keyof GateComparison, unknown>);
});

test('a version the gate rejects becomes latest but not champion, and scoring keeps using the champion', async () => {
  const result = trained(await train(WINDOW_B, REJECTING));

  expect(result).toMatchObject({ version: 2, created: true, champion: false });
  second = await versionById(result.modelVersionId);
  expect(second.promotion).toMatchObject({
    promoted: false,
    championVersion: 1,
    budget: -1,
    reason: expect.stringContaining('rises by more than the budget'),
  });
  expect((await aliasTarget(db(), WH, 'latest'))?.id).toBe(second.id);
  expect((await aliasTarget(db(), WH, 'champion'))?.id).toBe(first.id);
  // Only `latest` moved: v1 → v2.
  const events = await aliasEvents();
  expect(events).toHaveLength(3);
  expect(events[2]).toMatchObject({
    alias: 'latest',
    fromModelVersionId: first.id,
    toModelVersionId: second.id,
    reason: 'training',
  });

  expect((await modelForDay(db(), WH, '2026-05-15', FEATURES))?.id).toBe(first.id);
  const scored = await scoreDays(db(), '2026-05-01', DEMO_TO);
  expect(scored.unscored.map((u) => u.warehouse)).not.toContain(WH);
  const found = await db().select().from(anomalies).where(eq(anomalies.warehouse, WH));
  expect(found.length).toBeGreaterThan(0);
  for (const a of found) expect(a.modelVersionId).toBe(first.id);
});

test('a false positive leaves the training set (new version); confirming it puts the day back (old version)', async () => {
  const [anomaly] = await db()
    .select()
    .from(anomalies)
    .where(and(eq(anomalies.warehouse, WH), eq(anomalies.direction, 'spike')))
    .orderBy(asc(anomalies.usageDate));
  expect(anomaly.usageDate >= WINDOW_D.trainedFrom && anomaly.usageDate <= WINDOW_D.trainedTo).toBe(true);

  const plain = trained(await train(WINDOW_D));
  expect(plain).toMatchObject({ version: 3, created: true });
  const plainRow = await versionById(plain.modelVersionId);
  expect(plainRow.metrics).toMatchObject({ excludedDays: 0 });

  expect(
    await recordFeedback(db(), { anomalyId: anomaly.id, verdict: 'false_positive', author: 'alice' }),
  ).toBeGreaterThan(0);
  const without = trained(await train(WINDOW_D));
  expect(without).toMatchObject({ version: 4, created: true });
  const withoutRow = await versionById(without.modelVersionId);
  expect(withoutRow.metrics).toMatchObject({
    excludedDays: 1,
    trainingDays: (plainRow.metrics as { trainingDays: number }).trainingDays - 1,
  });
  expect(withoutRow.dataFingerprint).not.toBe(plainRow.dataFingerprint);
  expect(withoutRow.artifactSha256).not.toBe(plainRow.artifactSha256);

  await recordFeedback(db(), { anomalyId: anomaly.id, verdict: 'confirmed', author: 'bob' });
  const back = trained(await train(WINDOW_D));
  expect(back).toMatchObject({ modelVersionId: plain.modelVersionId, version: 3, created: false });
  expect((await versionsOf()).map((v) => v.version)).toEqual([1, 2, 3, 4]);
});

test('point in time: the model for a day was always trained on days before it', async () => {
  const hindsight: string[] = [];
  for (const day of eachDay('2026-01-01', addDays(DEMO_TO, 10))) {
    const model = await modelForDay(db(), WH, day, FEATURES);
    if (model && model.trainedTo >= day) hindsight.push(`${day}: v${model.version} trained to ${model.trainedTo}`);
  }
  expect(hindsight).toEqual([]);
  // Inside the rejected second window: only the first version was trained before the day.
  expect((await modelForDay(db(), WH, '2026-04-15', FEATURES))?.id).toBe(first.id);
  // Inside the first window: nothing was trained before the day.
  expect(await modelForDay(db(), WH, '2026-03-15', FEATURES)).toBeUndefined();
  // The champion now is a version trained through May, too late for mid-May; the rejected second version was
  // trained before it but is never the fallback, so the first one judges it.
  expect((await aliasTarget(db(), WH, 'champion'))?.trainedTo).toBe(DEMO_TO);
  expect((await modelForDay(db(), WH, '2026-05-15', FEATURES))?.id).toBe(first.id);
  expect((await modelForDay(db(), WH, addDays(DEMO_TO, 1), FEATURES))?.trainedTo).toBe(DEMO_TO);
  // A model of other features is never used.
  expect(await modelForDay(db(), WH, '2026-07-01', featureVersion(35))).toBeUndefined();
});
