/**
 * `snowpatrol models …` and `snowpatrol anomalies feedback …` as a user runs them: the real CLI in a child process
 * against a throwaway Postgres database. The state is prepared in-process with the real activities (demo metering,
 * features, two versions of one warehouse — the second rejected by the gate — and scored anomalies).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asc, count, eq } from 'drizzle-orm';
import { openDatabase, type Database } from '../../activities/store/database';
import type { ModelVersion } from '../../activities/store/model-store';
import { createTrainActivities } from '../../activities/train-activities';
import { DETECTION_DEFAULTS } from '../../schemas/detection-config';
import { anomalies, feedback, modelAliasEvents, modelVersions } from '../../schemas/tables';
import { computeFeatures, loadDemoMetering, scoreDays } from '../fixtures/demo-state';
import { isolatedEnv, runCli } from '../helpers/cli';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';

const DEMO_FROM = '2026-01-01';
const DEMO_TO = '2026-05-30';
const WH = 'ACME_PROD.ETL_WH';

let testDb: TestDatabase;
let database: Database;
let home: string;
let env: NodeJS.ProcessEnv;
let v1: ModelVersion;
let v2: ModelVersion;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.url, maxConnections: 4 });
  await loadDemoMetering(database.db, DEMO_FROM, DEMO_TO, 42);
  await computeFeatures(database.db, DEMO_TO);
  const train = (trainedFrom: string, trainedTo: string, alertRateBudget: number) =>
    createTrainActivities({
      db: database.db,
      detection: { ...DETECTION_DEFAULTS, promotion: { ...DETECTION_DEFAULTS.promotion, alertRateBudget } },
    }).trainWarehouseModel({ warehouse: WH, trainedFrom, trainedTo, workflowId: 'wf-models-cli', runId: 'run-1' });
  await train('2026-01-15', '2026-03-31', 0.05);
  await train('2026-02-15', '2026-04-30', -1); // rejected by the gate: latest, not champion
  [v1, v2] = await database.db
    .select()
    .from(modelVersions)
    .where(eq(modelVersions.warehouse, WH))
    .orderBy(asc(modelVersions.version));
  await scoreDays(database.db, '2026-05-01', DEMO_TO);

  home = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-home-'));
  env = isolatedEnv({ DATABASE_URL: testDb.url, SNOWPATROL_HOME: home, USER: 'tester' });
}, 120_000);

afterAll(async () => {
  await database?.close();
  await testDb?.drop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

const db = () => database.db;

async function cli(args: string[]) {
  const run = await runCli(args, env);
  return { ...run, json: () => JSON.parse(run.stdout) as Record<string, unknown> };
}

async function championEvents() {
  return db()
    .select()
    .from(modelAliasEvents)
    .where(eq(modelAliasEvents.alias, 'champion'))
    .orderBy(asc(modelAliasEvents.id));
}

async function feedbackCount(): Promise<number> {
  const [row] = await db().select({ n: count() }).from(feedback);
  return row.n;
}

test('the prepared state is as the tests assume: v1 champion, v2 latest but rejected', () => {
  expect(v1).toMatchObject({ version: 1, promotion: expect.objectContaining({ promoted: true }) });
  expect(v2).toMatchObject({ version: 2, promotion: expect.objectContaining({ promoted: false }) });
});

test('models list --json lists every version with its aliases and the gate verdict, without artifacts', async () => {
  const run = await cli(['models', 'list', '--json']);

  expect(run.code).toBe(0);
  const rows = JSON.parse(run.stdout) as Record<string, unknown>[];
  expect(rows).toEqual([
    expect.objectContaining({ id: v2.id, warehouse: WH, version: 2, aliases: ['latest'], promoted: false }),
    expect.objectContaining({ id: v1.id, warehouse: WH, version: 1, aliases: ['champion'], promoted: true }),
  ]);
  expect(rows[1]).toMatchObject({
    trainedFrom: v1.trainedFrom,
    trainedTo: v1.trainedTo,
    artifactSha256: v1.artifactSha256,
  });
  for (const row of rows) expect(row).not.toHaveProperty('artifact');
  // It used DATABASE_URL, not an embedded database under SNOWPATROL_HOME.
  expect(fs.existsSync(path.join(home, 'pglite'))).toBe(false);
});

test('models show --json has everything recorded about the champion but not the artifact bytes', async () => {
  const run = await cli(['models', 'show', WH, '--json']);

  expect(run.code).toBe(0);
  const shown = run.json();
  expect(shown).toMatchObject({
    id: v1.id,
    version: 1,
    params: v1.params as object,
    seed: DETECTION_DEFAULTS.seed,
    trainedFrom: v1.trainedFrom,
    trainedTo: v1.trainedTo,
    featureVersion: v1.featureVersion,
    dataFingerprint: v1.dataFingerprint,
    artifactSha256: v1.artifactSha256,
    artifactBytes: Buffer.byteLength(v1.artifact),
    threshold: v1.threshold,
    promotion: v1.promotion as object,
    workflowId: 'wf-models-cli',
    runId: 'run-1',
    aliases: ['champion'],
  });
  expect(shown).not.toHaveProperty('artifact');
  expect(run.stdout).not.toContain(v1.artifact.slice(0, 200));
  expect(shown.aliasHistory).toEqual(
    expect.arrayContaining([expect.objectContaining({ alias: 'champion', toModelVersionId: v1.id })]),
  );

  const second = await cli(['models', 'show', WH, 'v2', '--json']);
  expect(second.code).toBe(0);
  expect(second.json()).toMatchObject({ id: v2.id, version: 2, aliases: ['latest'], promotion: { promoted: false } });
});

test('models promote moves champion (logged as promote) and rollback moves it back (logged as rollback)', async () => {
  const promoted = await cli(['models', 'promote', WH, '2', '--json']);
  expect(promoted.code).toBe(0);
  expect(promoted.json()).toEqual({ warehouse: WH, champion: 2, previous: 1, moved: true });
  const afterPromote = await cli(['models', 'show', WH, '--json']);
  expect(afterPromote.json()).toMatchObject({ id: v2.id, version: 2 });
  expect((afterPromote.json().aliases as string[]).sort()).toEqual(['champion', 'latest']);
  expect((await championEvents()).at(-1)).toMatchObject({
    warehouse: WH,
    fromModelVersionId: v1.id,
    toModelVersionId: v2.id,
    reason: 'promote',
    actor: 'cli:tester',
  });

  const rolledBack = await cli(['models', 'rollback', WH, '--json']);
  expect(rolledBack.code).toBe(0);
  expect(rolledBack.json()).toEqual({ warehouse: WH, champion: 1, previous: 2 });
  const afterRollback = await cli(['models', 'show', WH, '--json']);
  expect(afterRollback.json()).toMatchObject({ id: v1.id, version: 1, aliases: ['champion'] });
  expect((await championEvents()).at(-1)).toMatchObject({
    fromModelVersionId: v2.id,
    toModelVersionId: v1.id,
    reason: 'rollback',
    actor: 'cli:tester',
  });
});

test('promoting a version that does not exist fails with one line naming warehouse and version', async () => {
  const before = await championEvents();
  const run = await cli(['models', 'promote', WH, '999']);

  expect(run.code).not.toBe(0);
  expect(run.stdout).toBe('');
  const message = run.stderr.trim();
  expect(message.split('\n')).toHaveLength(1);
  expect(message).toContain(WH);
  expect(message).toContain('999');
  expect(await championEvents()).toEqual(before);
});

test('anomalies feedback records a verdict with its author and sets the anomaly status', async () => {
  const [anomaly] = await db().select().from(anomalies).where(eq(anomalies.warehouse, WH)).orderBy(asc(anomalies.id));
  expect(anomaly.status).toBe('open');

  const run = await cli(['anomalies', 'feedback', String(anomaly.id), 'false_positive', '--author', 'alice', '--json']);

  expect(run.code).toBe(0);
  const result = run.json();
  expect(result).toEqual({
    anomalyId: anomaly.id,
    feedbackId: expect.any(Number),
    verdict: 'false_positive',
    alertEdited: false,
  });
  const rows = await db().select().from(feedback).where(eq(feedback.anomalyId, anomaly.id));
  expect(rows).toEqual([
    expect.objectContaining({ id: result.feedbackId, author: 'alice', verdict: 'false_positive', comment: null }),
  ]);
  const [after] = await db().select().from(anomalies).where(eq(anomalies.id, anomaly.id));
  expect(after.status).toBe('false_positive');
});

test.each([
  [['anomalies', 'feedback', '999999', 'confirmed'], /no anomaly with id 999999/],
  [
    ['anomalies', 'feedback', '1', 'maybe'],
    /verdict must be one of confirmed, false_positive, expected_change, got "maybe"/,
  ],
])('anomalies feedback %j fails with a clear message and writes nothing', async (args, message) => {
  const [one] = await db().select().from(anomalies).where(eq(anomalies.id, 1));
  expect(one).toBeDefined();
  const feedbackBefore = await feedbackCount();

  const run = await cli(args);

  expect(run.code).not.toBe(0);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(message);
  expect(await feedbackCount()).toBe(feedbackBefore);
  const [oneAfter] = await db().select().from(anomalies).where(eq(anomalies.id, 1));
  expect(oneAfter.status).toBe(one.status);
});
