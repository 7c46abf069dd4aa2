/**
 * The cause comes later than the alert: Snowflake's query views lag metering by hours, so an alert may go out
 * saying its cause is on the way, and `refreshAlertCauses` later edits the same Slack message to name it — never a
 * second message, and no edit when the message already shows it. Real Postgres, the real notify activities, the
 * real Slack WebClient against the Slack Web API fake on 127.0.0.1.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { createNotifyActivities } from '../../activities/notify-activities';
import { CAUSE_PENDING_TEXT } from '../../activities/slack/cause-blocks';
import { createSlackClient, SlackTransport } from '../../activities/slack/slack-transport';
import { upsertAnomaly } from '../../activities/store/anomaly-store';
import { openDatabase, type Database } from '../../activities/store/database';
import { alertKey } from '../../activities/store/notification-store';
import type { AnomalyCauses, CauseContributor } from '../../schemas/attribution';
import { anomalies, attributedDays } from '../../schemas/tables';
import { insertStubModel, spikeFinding } from '../fixtures/model-version';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { startSlackFake, type FakeMessage, type SlackFake } from '../slack-fake';

const DAY = '2026-11-18';
const EXPLAINED_DAY = '2026-11-17';

let testDb: TestDatabase;
let database: Database;
let fake: SlackFake;
let modelId: number;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.url });
  fake = await startSlackFake();
  modelId = await insertStubModel(database.db);
});

afterAll(async () => {
  await fake?.stop();
  await database?.close();
  await testDb?.drop();
});

function notify() {
  return createNotifyActivities({
    db: database.db,
    transport: new SlackTransport(createSlackClient(fake.token, fake.apiUrl)),
    alerts: { channel: 'snowpatrol-alerts', routes: [] },
    webUiUrl: 'http://localhost:8233',
    namespace: 'default',
    featureVersion: 'test',
    charts: false,
  });
}

const send = (from: string, to: string) =>
  new MockActivityEnvironment().run(notify().sendAnomalyAlerts, { from, to, workflowId: 'wf', runId: 'run' });
const refresh = (anomalyIds: number[]) =>
  new MockActivityEnvironment().run(notify().refreshAlertCauses, { anomalyIds });

/** A day's attribution as the attribution engine records it. */
async function attributed(usageDate: string, complete = true): Promise<void> {
  await database.db
    .insert(attributedDays)
    .values({
      usageDate,
      method: 'reported',
      queries: 120,
      meteredCredits: 120,
      attributedCredits: 100,
      idleCredits: 20,
      complete,
    })
    .onConflictDoUpdate({ target: attributedDays.usageDate, set: { complete } });
}

/** A 70-credit excess, 60 of it a new Airflow backfill run by AIRFLOW_SVC. */
function backfillCauses(explainedAt: string): AnomalyCauses {
  const c = (value: string, credits: number, usual: number): CauseContributor => ({
    value,
    credits,
    usualCredits: usual,
    growth: credits - usual,
    shareOfExcess: (credits - usual) / 70,
    kind: usual === 0 ? 'new' : 'grown',
  });
  return {
    method: 'reported',
    explainedAt,
    referenceDays: ['2026-10-21', '2026-10-28', '2026-11-04', '2026-11-11'],
    byDimension: {
      query_tag: [c('airflow:adhoc_backfill.reload_orders', 60, 0), c('dbt:orders', 15, 8)],
      user: [c('AIRFLOW_SVC', 62, 2)],
      query_hash: [c('01a2b3c4d5e6f708', 58, 0)],
    },
    idle: { credits: 20, usualCredits: 18 },
  };
}

const setCauses = (id: number, causes: AnomalyCauses) =>
  database.db.update(anomalies).set({ causes }).where(eq(anomalies.id, id));

const alertMessages = () => fake.messages('snowpatrol-alerts').filter((m) => m.threadTs === undefined);
const text = (m: FakeMessage) => JSON.stringify(m.blocks);
const keysOf = (m: FakeMessage) => (m.metadata?.event_payload.keys ?? []) as string[];

let pendingId: number;

test('an alert sent before the query history covers its day says the cause will follow', async () => {
  await attributed('2026-11-10'); // the source provides query data: some day was attributed
  await attributed(DAY, false); // … but not all of this one yet
  pendingId = await upsertAnomaly(database.db, spikeFinding(modelId, { usageDate: DAY }));

  expect(await send(DAY, DAY)).toMatchObject({ alerted: 1, messages: 1 });
  const [message] = alertMessages();
  expect(text(message)).toContain(CAUSE_PENDING_TEXT);
  expect(text(message)).not.toContain('Likely cause');

  // Nothing explained yet: nothing to edit.
  expect(await refresh([pendingId])).toBe(0);
  expect(alertMessages()[0].updates).toBe(0);
});

test('once explained, refreshing edits that same message to name the cause; again, it edits nothing', async () => {
  await attributed(DAY);
  await setCauses(pendingId, backfillCauses('2026-11-19T09:00:00.000Z'));

  expect(await refresh([pendingId])).toBe(1);
  const messages = alertMessages();
  expect(messages).toHaveLength(1); // edited in place, no second alert
  const [edited] = messages;
  expect(edited.updates).toBe(1);
  expect(keysOf(edited)).toEqual([alertKey({ warehouse: 'ACME_PROD.ETL_WH', usageDate: DAY })]);
  expect(text(edited)).toContain('• airflow:adhoc_backfill.reload_orders — new, +60.0 credits (86 % of the excess)');
  expect(text(edited)).toContain('• dbt:orders — grown (usually 8.0), +7.0 credits (10 % of the excess)');
  // Two tagged workloads leave the third place to the strongest user; the query shape follows on the compact line.
  expect(text(edited)).toContain('• user AIRFLOW_SVC — grown (usually 2.0), +60.0 credits (86 % of the excess)');
  expect(text(edited)).toContain('Query hashes: 01a2b3c4d5e6f708 +58.0 (83 %)');
  expect(text(edited)).not.toContain(CAUSE_PENDING_TEXT);
  expect(text(edited)).toContain('Actual *120.0* credits vs expected *50.0*'); // the rest of the alert is intact

  expect(await refresh([pendingId])).toBe(0);
  expect(alertMessages()[0].updates).toBe(1);
  // The pipeline's next delivery sees nothing new to post or restate.
  expect(await send(DAY, DAY)).toMatchObject({ alerted: 0, alreadyAlerted: 1, updated: 0 });
  expect(alertMessages()).toHaveLength(1);
});

test('a new explanation of the day (re-attributed) is edited in once more', async () => {
  const causes = backfillCauses('2026-11-20T09:00:00.000Z');
  causes.byDimension.query_tag[0] = { ...causes.byDimension.query_tag[0], value: 'airflow:adhoc_backfill.reload_all' };
  await setCauses(pendingId, causes);

  expect(await refresh([pendingId])).toBe(1);
  const [edited] = alertMessages();
  expect(edited.updates).toBe(2);
  expect(text(edited)).toContain('airflow:adhoc_backfill.reload_all — new');
  expect(text(edited)).not.toContain('reload_orders');
});

test('an anomaly explained before its alert goes out is posted with its cause, and needs no edit', async () => {
  await attributed(EXPLAINED_DAY);
  const id = await upsertAnomaly(
    database.db,
    spikeFinding(modelId, { usageDate: EXPLAINED_DAY, warehouse: 'ACME_PROD.BI_WH' }),
  );
  await setCauses(id, backfillCauses('2026-11-18T09:00:00.000Z'));

  expect(await send(EXPLAINED_DAY, EXPLAINED_DAY)).toMatchObject({ alerted: 1 });
  const posted = alertMessages().find((m) => keysOf(m).includes(`anomaly-alert:ACME_PROD.BI_WH:${EXPLAINED_DAY}`))!;
  expect(text(posted)).toContain('*Likely cause*');
  expect(await refresh([id])).toBe(0);
  expect(alertMessages()).toHaveLength(2);
});

test('an anomaly whose source has no query data gets no pending line', async () => {
  await database.db.delete(attributedDays);
  const id = await upsertAnomaly(
    database.db,
    spikeFinding(modelId, { usageDate: '2026-11-16', warehouse: 'ACME_PROD.RAW_WH' }),
  );
  await send('2026-11-16', '2026-11-16');
  const posted = alertMessages().find((m) => keysOf(m).includes('anomaly-alert:ACME_PROD.RAW_WH:2026-11-16'))!;
  expect(text(posted)).not.toContain(CAUSE_PENDING_TEXT);
  expect(await refresh([id])).toBe(0);
});
