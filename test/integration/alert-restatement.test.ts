/**
 * Exactly once, also when Snowflake restates a day: an anomaly already alerted is never alerted again, but when
 * re-scoring changes what its alert said (late or corrected metering), the alert is edited in place, keeping its
 * idempotency key — and not edited when nothing changed. Real Postgres, the real notify activity, the outbox
 * transport (the Slack transport's chat.update is tested in slack-alerts.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createNotifyActivities } from '../../activities/notify-activities';
import { OutboxTransport } from '../../activities/slack/outbox-transport';
import { resolveIfOpen, upsertAnomaly, type AnomalyFinding } from '../../activities/store/anomaly-store';
import { openDatabase, type Database } from '../../activities/store/database';
import { insertStubModel, spikeFinding } from '../fixtures/model-version';
import { tempDir } from '../fixtures/temp-dir';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';

const DAY = '2026-11-18';
let testDb: TestDatabase;
let database: Database;
let outboxDir: string;
let finding: AnomalyFinding;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.url });
  outboxDir = path.join(tempDir(), 'outbox');
  const stubModelId = await insertStubModel(database.db);
  finding = spikeFinding(stubModelId, { usageDate: DAY });
});

afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

function send() {
  const notify = createNotifyActivities({
    db: database.db,
    transport: new OutboxTransport(outboxDir),
    alerts: { channel: 'snowpatrol-alerts', routes: [] },
    webUiUrl: 'http://localhost:8233',
    namespace: 'default',
    featureVersion: 'test',
    charts: false,
  });
  return new MockActivityEnvironment().run(notify.sendAnomalyAlerts, {
    from: DAY,
    to: DAY,
    workflowId: 'snowpatrol-pipeline-2026-11-18',
    runId: 'run',
  });
}

const files = (prefix: string) =>
  (fs.existsSync(outboxDir) ? fs.readdirSync(outboxDir) : []).filter((f) => f.startsWith(prefix));
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(outboxDir, file), 'utf8'));

test('an anomaly is alerted once; sending again changes nothing', async () => {
  await upsertAnomaly(database.db, finding);
  expect(await send()).toMatchObject({ alerted: 1, updated: 0 });
  expect(await send()).toMatchObject({ alerted: 0, alreadyAlerted: 1, updated: 0 });
  expect(files('alert-')).toHaveLength(1);
});

test('a restated day edits its alert in place, once, keeping the key and saying what it said before', async () => {
  const [file] = files('alert-');
  const keys = read(file).metadata.event_payload.keys;
  await upsertAnomaly(database.db, { ...finding, actual: 95, excessCredits: 45, excessCost: 135, severity: 'medium' });

  expect(await send()).toMatchObject({ alerted: 0, updated: 1 });
  expect(files('alert-')).toEqual([file]);
  const edited = read(file);
  expect(edited.updates).toBe(1);
  expect(edited.metadata.event_payload.keys).toEqual(keys);
  expect(JSON.stringify(edited.blocks)).toContain('Actual *95.0* credits vs expected *50.0*');
  expect(JSON.stringify(edited.blocks)).toContain('was 120.0 vs 50.0 (+70.0), high');

  // Re-scoring the same restated numbers again is not another edit.
  await upsertAnomaly(database.db, { ...finding, actual: 95, excessCredits: 45, excessCost: 135, severity: 'medium' });
  expect(await send()).toMatchObject({ alerted: 0, updated: 0 });
  expect(read(file).updates).toBe(1);
});

test('a restatement that makes the day ordinary says so in the same message', async () => {
  await resolveIfOpen(database.db, finding.warehouse, DAY);

  expect(await send()).toMatchObject({ alerted: 0, updated: 1 });
  const [file] = files('alert-');
  expect(files('alert-')).toHaveLength(1);
  expect(read(file).updates).toBe(2);
  const text = JSON.stringify(read(file).blocks);
  expect(text).toContain('no longer anomalous');
  // What the alert first said survives a second restatement.
  expect(text).toContain('was 120.0 vs 50.0 (+70.0), high');
});
