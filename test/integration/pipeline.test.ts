/**
 * The whole pipeline through a real Temporal dev server, a real worker and the real Postgres on 127.0.0.1:
 * it finds the demo organisation's injected anomalies, alerts each once, and a second run of the same day
 * changes nothing. Bad input fails fast, names the field, and writes nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEMO_PRICES, demoAnomalyLabels } from '../../activities/sources/demo-org';
import { createDemoSource } from '../../activities/sources/demo-source';
import { runBacktest } from '../../client/backtest/run';
import { DETECTION_DEFAULTS } from '../../schemas/detection-config';
import { DEFAULTS } from '../../schemas/inputs';
import type { Database } from '../../activities/store/database';
import { listAnomalies } from '../../activities/store/anomaly-store';
import { ANOMALIES_PER_MESSAGE } from '../../activities/notify-activities';
import { TASK_QUEUE, WORKFLOW_TYPES, workflowIdFor } from '../../schemas/constants';
import { addDays } from '../../schemas/dates';
import type { PipelineResult } from '../../schemas/results';
import { eq } from 'drizzle-orm';
import { modelAliases, modelVersions, notifications, pipelineDays } from '../../schemas/tables';
import { tableCounts } from '../helpers/state';
import { startTemporal } from '../helpers/temporal';
import { startTestWorker, type TestWorker } from '../helpers/worker';

const AS_OF = '2026-03-31';
const SCORE_DAYS = 28;
const SCORE_FROM = addDays(AS_OF, 1 - SCORE_DAYS);
const SEED = 42;

let env: TestWorkflowEnvironment;
let tw: TestWorker;
let database: Database;
let outboxDir: string;

beforeAll(async () => {
  env = await startTemporal();
  tw = await startTestWorker(env, SEED);
  ({ database, outboxDir } = tw);
});

afterAll(async () => {
  await tw?.stop();
  await env?.teardown();
});

function runPipeline(input: unknown, workflowId = workflowIdFor('pipeline', AS_OF)): Promise<PipelineResult> {
  return env.client.workflow.execute(WORKFLOW_TYPES.pipeline, { taskQueue: TASK_QUEUE, workflowId, args: [input] });
}

const pipelineInput = { asOf: AS_OF, source: 'demo', historyDays: 180, scoreDays: SCORE_DAYS };

test('finds the injected anomalies, point in time, and alerts each one once', async () => {
  const result = await runPipeline(pipelineInput);

  expect(result.ingest).toMatchObject({ from: addDays(AS_OF, -179), to: AS_OF, days: 180, warehouses: 6 });
  expect(result.ingest.rowsUpserted).toBe(result.ingest.rowsRead);
  expect(result.train.models).toHaveLength(6);
  expect(result.score.scored).toBe(6 * SCORE_DAYS);

  const found = await listAnomalies(database.db, SCORE_FROM, AS_OF);
  const labels = demoAnomalyLabels(SCORE_FROM, AS_OF, SEED);
  const isLabelled = (a: { warehouse: string; usageDate: string }) =>
    labels.some((l) => l.warehouse === a.warehouse && l.day === a.usageDate);
  const caught = labels.filter((l) => found.some((a) => a.warehouse === l.warehouse && a.usageDate === l.day));
  // The big ones must not slip through; most findings must be real.
  const runaways = labels.filter((l) => l.kind === 'runaway');
  expect(runaways.length).toBeGreaterThan(0);
  expect(runaways.every((l) => caught.includes(l))).toBe(true);
  expect(caught.length / labels.length).toBeGreaterThanOrEqual(0.6);
  expect(found.filter(isLabelled).length / found.length).toBeGreaterThanOrEqual(0.8);

  // Each day was judged by a model trained only on earlier days.
  const models = await database.db.select().from(modelVersions);
  for (const anomaly of found) {
    const model = models.find((m) => m.id === anomaly.modelVersionId);
    expect(model).toBeDefined();
    expect(model!.trainedTo < anomaly.usageDate).toBe(true);
    expect(anomaly.direction).toBe(anomaly.actual > anomaly.expected ? 'spike' : 'drop');
    // Money at the demo organisation's contract price of the warehouse's account.
    const price = DEMO_PRICES[anomaly.warehouse.split('.')[0]];
    expect(anomaly.currency).toBe('USD');
    expect(anomaly.excessCost).toBeCloseTo(anomaly.excessCredits * price, 9);
  }

  // One alert per anomaly, in as few Block Kit messages as Slack's block limit allows, a chart beside each.
  const sent = await database.db.select().from(notifications);
  expect(sent).toHaveLength(found.length);
  expect(sent.every((n) => n.status === 'sent')).toBe(true);
  const messageCount = Math.ceil(found.length / ANOMALIES_PER_MESSAGE);
  expect(result.notify).toMatchObject({ alerted: found.length, alreadyAlerted: 0, messages: messageCount });
  const files = fs.readdirSync(outboxDir);
  const messages = files
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(outboxDir, f), 'utf8')));
  expect(messages).toHaveLength(messageCount);
  const keys = messages.flatMap((m) => m.metadata.event_payload.keys as string[]);
  expect(keys.sort()).toEqual(found.map((a) => `anomaly-alert:${a.warehouse}:${a.usageDate}`).sort());
  const text = JSON.stringify(messages.map((m) => m.blocks));
  for (const anomaly of found) expect(text).toContain(`*${anomaly.warehouse}* on *${anomaly.usageDate}*`);
  expect(files.filter((f) => f.endsWith('.png'))).toHaveLength(found.length);
});

test('running the same day again adds no rows, no models and no alerts', async () => {
  const before = await tableCounts(database.db);
  const outboxBefore = fs.readdirSync(outboxDir);

  const again = await runPipeline(pipelineInput);

  expect(await tableCounts(database.db)).toEqual(before);
  expect(fs.readdirSync(outboxDir)).toEqual(outboxBefore);
  expect(again.ingest.rowsUpserted).toBe(0);
  expect(again.ingest.days).toBe(3); // only the trailing re-load window
  expect(again.train.models.every((m) => !m.created)).toBe(true);
  expect(again.notify).toMatchObject({ alerted: 0, alreadyAlerted: before.anomalies, destination: null });
});

test('backfilling an earlier day loads its missing history and leaves "latest" on the newest model', async () => {
  const earlier = '2026-02-28';
  const result = await runPipeline({ ...pipelineInput, asOf: earlier }, workflowIdFor('pipeline', earlier));

  // 2026-03-31's run loaded 2025-10-03 onwards; the earlier day needs 180 days back from 2026-02-28.
  expect(result.ingest.from).toBe(addDays(earlier, -179));
  expect(result.train.models).toHaveLength(6);
  expect(result.train.models.every((m) => m.created)).toBe(true);
  expect(result.score.scored).toBe(6 * SCORE_DAYS);

  const latest = await database.db
    .select({ warehouse: modelAliases.warehouse, trainedTo: modelVersions.trainedTo })
    .from(modelAliases)
    .innerJoin(modelVersions, eq(modelVersions.id, modelAliases.modelVersionId))
    .where(eq(modelAliases.alias, 'latest'));
  expect(latest).toHaveLength(6);
  for (const alias of latest) expect(alias.trainedTo).toBe(addDays(SCORE_FROM, -1));
});

test.each([
  [{ asOf: 'yesterday' }, 'asOf'],
  [{ scoreDays: 0 }, 'scoreDays'],
  [{ source: 'oracle' }, 'source'],
  [{ histroyDays: 30 }, 'unknown field(s) "histroyDays"'],
  ['2026-11-20', 'input must be a JSON object'],
])('rejects input %j without retrying or writing anything', async (input, named) => {
  const before = await tableCounts(database.db);
  const error: unknown = await runPipeline(input, `bad-input-${Math.random()}`).catch((e: unknown) => e);

  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect((cause as ApplicationFailure).type).toBe('InvalidInput');
  expect((cause as ApplicationFailure).nonRetryable).toBe(true);
  expect((cause as ApplicationFailure).message).toContain(named);
  expect(await tableCounts(database.db)).toEqual(before);
});

test('flags exactly the days the backtest says the nightly run would flag', async () => {
  // The first test's run trained once on the 90 days before SCORE_FROM and scored 28 days with that model:
  // a backtest that retrains every 28 days replays the same thing straight from the source.
  const backtest = await runBacktest({
    source: createDemoSource(SEED),
    from: SCORE_FROM,
    to: AS_OF,
    trainingDays: DEFAULTS.trainingDays,
    retrainEveryDays: SCORE_DAYS,
    detection: DETECTION_DEFAULTS,
    compare: false,
  });
  const byKey = <T extends { warehouse: string; usageDate: string }>(rows: T[]) =>
    new Map(rows.map((r) => [`${r.warehouse} ${r.usageDate}`, r]));
  const flagged = byKey(backtest.flags);
  const recorded = byKey(await listAnomalies(database.db, SCORE_FROM, AS_OF));
  expect(flagged.size).toBeGreaterThan(0);
  expect([...flagged.keys()].sort()).toEqual([...recorded.keys()].sort());
  // Same scores, up to summing credits in Postgres numeric rather than in floating point.
  for (const [key, flag] of flagged) expect(flag.score).toBeCloseTo(recorded.get(key)!.score, 9);
});

test('a run after days no run covered scores those days too, and records every day it ran', async () => {
  const later = addDays(AS_OF, 3); // 2026-04-01 and 04-02 never ran
  const result = await runPipeline({ ...pipelineInput, asOf: later, scoreDays: 1 }, workflowIdFor('pipeline', later));

  expect(result.data).toMatchObject({ status: 'ready', checks: 1, missing: [] });
  expect(result.catchUp).toMatchObject({ from: addDays(AS_OF, 1), missedDays: 2, partialDays: [] });
  expect(result.score).toMatchObject({ from: addDays(AS_OF, 1), to: later, scored: 6 * 3 });
  const days = await database.db.select().from(pipelineDays).orderBy(pipelineDays.asOf);
  expect(days.map((d) => [d.asOf, d.status])).toEqual([
    ['2026-02-28', 'complete'],
    [AS_OF, 'complete'],
    [later, 'complete'],
  ]);
});
