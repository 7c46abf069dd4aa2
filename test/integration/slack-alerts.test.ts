/**
 * Alerts in Slack, end to end: a real Temporal dev server, a real worker, the real Postgres and the real Slack
 * WebClient, posting to the Slack Web API fake on 127.0.0.1. A pipeline run posts one message per channel with
 * every new anomaly in exactly one of them, buttons and a link to the run, a chart per anomaly in the thread, and
 * a ledger row per alert; the ACME_DEV account's warehouses go to #finance-data. Running the day again posts
 * nothing, and a restated day edits its message in place. Delivery faults are in slack-delivery-faults.test.ts.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { listAnomalies, upsertAnomaly, type AnomalyRow } from '../../activities/store/anomaly-store';
import { ALERT_ACTIONS } from '../../activities/slack/block-kit';
import { alertKey } from '../../activities/store/notification-store';
import { TASK_QUEUE, WORKFLOW_TYPES } from '../../schemas/constants';
import { addDays } from '../../schemas/dates';
import { runUrl } from '../../schemas/links';
import type { NotifyResult, PipelineResult } from '../../schemas/results';
import { notifications } from '../../schemas/tables';
import { slackAlerts } from '../helpers/slack-scenario';
import { startTemporal } from '../helpers/temporal';
import { startTestWorker, type TestWorker } from '../helpers/worker';
import { startSlackFake, type FakeMessage, type SlackFake } from '../slack-fake';

const SEED = 42;
/** The demo organisation's spikes of 2026-03-17 → 2026-03-21 fall in this scored week, on both accounts. */
const AS_OF = '2026-03-21';
const SCORE_FROM = addDays(AS_OF, -6);
const PIPELINE_ID = `slack-pipeline-${AS_OF}`;
const FINANCE_ROUTE = { prefix: 'ACME_DEV', channel: 'finance-data' };
const CHANNEL_IDS: Record<string, string> = { 'snowpatrol-alerts': 'C0ALERTS', 'finance-data': 'C0FINANCE' };

let env: TestWorkflowEnvironment;
let fake: SlackFake;
let tw: TestWorker;
/** The first run's result, its run id, and the anomalies it found. */
let first: PipelineResult;
let firstRunId: string;
let found: AnomalyRow[];

beforeAll(async () => {
  env = await startTemporal();
  fake = await startSlackFake();
  tw = await startTestWorker(env, SEED, { alerts: slackAlerts(fake, [FINANCE_ROUTE]) });
  const handle = await env.client.workflow.start(WORKFLOW_TYPES.pipeline, {
    taskQueue: TASK_QUEUE,
    workflowId: PIPELINE_ID,
    args: [{ asOf: AS_OF, source: 'demo', historyDays: 120, scoreDays: 7 }],
  });
  firstRunId = handle.firstExecutionRunId;
  first = await handle.result();
  found = await listAnomalies(tw.database.db, SCORE_FROM, AS_OF);
});

afterAll(async () => {
  await tw?.stop();
  await fake?.stop();
  await env?.teardown();
});

/** Alert messages as people see them in the channels: top-level messages, not the chart replies. */
const alertMessages = () => fake.messages().filter((m) => m.threadTs === undefined);
const keysOf = (m: FakeMessage) => (m.metadata?.event_payload.keys ?? []) as string[];
const messageOf = (a: AnomalyRow) => alertMessages().filter((m) => keysOf(m).includes(alertKey(a)));
const blockText = (m: FakeMessage) => JSON.stringify(m.blocks);
const callsOf = (method: string, since = 0) => fake.calls.slice(since).filter((c) => c.method === method);

test('a pipeline run posts every new anomaly in exactly one message, with numbers, buttons, run link and ledger', async () => {
  expect(found.length).toBeGreaterThanOrEqual(3);
  expect(first.notify).toMatchObject({ alerted: found.length, alreadyAlerted: 0 });

  for (const anomaly of found) expect(messageOf(anomaly)).toHaveLength(1);
  // One message per channel, nothing else in the channels.
  expect(alertMessages()).toHaveLength(2);
  const link = runUrl('http://localhost:8233', 'default', PIPELINE_ID, firstRunId);

  for (const message of alertMessages()) {
    const inIt = found.filter((a) => keysOf(message).includes(alertKey(a)));
    expect(keysOf(message)).toHaveLength(inIt.length);
    const excess = inIt.reduce((sum, a) => sum + a.excessCredits, 0);
    const header = message.blocks[0] as { type: string; text: { text: string } };
    expect(header.type).toBe('header');
    expect(header.text.text).toContain(`${inIt.length} Snowflake spend ${inIt.length === 1 ? 'anomaly' : 'anomalies'}`);
    expect(header.text.text).toContain(`${excess.toFixed(1)} credits over expected`);
    expect(message.text).toBe(header.text.text);
    expect(blockText(message)).toContain(`<${link}|Open the run in Temporal>`);

    for (const anomaly of inIt) {
      expect(blockText(message)).toContain(`*${anomaly.warehouse}* on *${anomaly.usageDate}*`);
      expect(blockText(message)).toContain(`Actual *${anomaly.actual.toFixed(1)}* credits`);
      const actions = message.blocks.find((b) => (b as { block_id?: string }).block_id === `anomaly-${anomaly.id}`) as
        { elements: { action_id: string; value: string }[] } | undefined;
      expect(actions?.elements.map((e) => e.action_id)).toEqual(Object.values(ALERT_ACTIONS));
      expect(actions?.elements.map((e) => e.value)).toEqual(Array(5).fill(String(anomaly.id)));
    }
  }

  const ledger = await tw.database.db.select().from(notifications);
  expect(ledger).toHaveLength(found.length);
  for (const anomaly of found) {
    const [message] = messageOf(anomaly);
    const row = ledger.find((n) => n.anomalyId === anomaly.id);
    expect(row).toMatchObject({
      idempotencyKey: alertKey(anomaly),
      status: 'sent',
      attempts: 1,
      messageRef: `slack:${message.channel}:${message.ts}`,
      runUrl: link,
    });
  }
});

test('each alert has its chart, a 1200×520 PNG uploaded into the thread of its message', async () => {
  const ledger = await tw.database.db.select().from(notifications);
  expect(fake.files).toHaveLength(found.length);
  for (const anomaly of found) {
    const [message] = messageOf(anomaly);
    const file = fake.files.find((f) => f.filename === `${anomaly.warehouse}-${anomaly.usageDate}.png`);
    expect(file).toMatchObject({ completed: true, channelId: message.channel, threadTs: message.ts });
    const png = file!.bytes;
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1200, 520]);
    // The ledger records where the chart went.
    const row = ledger.find((n) => n.anomalyId === anomaly.id);
    expect(row?.chartRef?.split(',')).toContain(file!.id);
  }
  // The charts are replies in the alerts' threads, one reply per message.
  const replies = fake.messages().filter((m) => m.threadTs !== undefined);
  expect(replies.map((r) => r.threadTs).sort()).toEqual(
    alertMessages()
      .map((m) => m.ts)
      .sort(),
  );
});

test("routes the ACME_DEV account's warehouses to #finance-data and the rest to the default channel", async () => {
  const [dev, prod] = [
    found.filter((a) => a.warehouse.startsWith('ACME_DEV.')),
    found.filter((a) => !a.warehouse.startsWith('ACME_DEV.')),
  ];
  expect(dev.length).toBeGreaterThan(0);
  expect(prod.length).toBeGreaterThan(0);
  for (const a of dev) expect(messageOf(a)[0].channel).toBe('C0FINANCE');
  for (const a of prod) expect(messageOf(a)[0].channel).toBe('C0ALERTS');
  expect(
    fake
      .messages('finance-data')
      .filter((m) => !m.threadTs)
      .flatMap(keysOf),
  ).toEqual(dev.map(alertKey));

  const ledger = await tw.database.db.select().from(notifications);
  for (const row of ledger) expect(row.messageRef).toMatch(new RegExp(`^slack:${CHANNEL_IDS[row.channel]}:`));
});

test('running the same day again posts nothing new', async () => {
  const callsBefore = fake.calls.length;
  const messagesBefore = fake.messages();

  const again: PipelineResult = await env.client.workflow.execute(WORKFLOW_TYPES.pipeline, {
    taskQueue: TASK_QUEUE,
    workflowId: `${PIPELINE_ID}-again`,
    args: [{ asOf: AS_OF, source: 'demo', historyDays: 120, scoreDays: 7 }],
  });

  expect(again.score.anomalies).toBe(found.length);
  expect(again.notify).toMatchObject({ alerted: 0, alreadyAlerted: found.length, updated: 0, destination: null });
  const newCalls = fake.calls.slice(callsBefore).map((c) => c.method);
  expect(newCalls.filter((m) => m.startsWith('chat.') || m.startsWith('files.'))).toEqual([]);
  expect(fake.messages()).toEqual(messagesBefore);
  expect(fake.files).toHaveLength(found.length);
});

test('a restated day edits its message in place with the new numbers and what it said before', async () => {
  const anomaly = found.find((a) => a.warehouse.startsWith('ACME_PROD.'))!;
  const [message] = messageOf(anomaly);
  const callsBefore = fake.calls.length;
  // Snowflake restated the day: re-scoring finds 10 more credits.
  await upsertAnomaly(tw.database.db, {
    ...anomaly,
    actual: anomaly.actual + 10,
    excessCredits: anomaly.excessCredits + 10,
    excessCost: (anomaly.excessCost ?? 0) + 30,
  });

  const result: NotifyResult = await env.client.workflow.execute(WORKFLOW_TYPES.notify, {
    taskQueue: TASK_QUEUE,
    workflowId: `slack-restated-${anomaly.usageDate}`,
    args: [{ asOf: anomaly.usageDate }],
  });

  expect(result).toMatchObject({ alerted: 0, updated: 1 });
  expect(callsOf('chat.postMessage', callsBefore)).toEqual([]);
  expect(callsOf('chat.update', callsBefore)).toHaveLength(1);
  expect(alertMessages()).toHaveLength(2);
  const edited = fake.messages(message.channel).find((m) => m.ts === message.ts)!;
  expect(edited.updates).toBe(1);
  expect(keysOf(edited)).toEqual(keysOf(message));
  const text = blockText(edited);
  expect(text).toContain(`Actual *${(anomaly.actual + 10).toFixed(1)}* credits`);
  expect(text).toContain(
    `was ${anomaly.actual.toFixed(1)} vs ${anomaly.expected.toFixed(1)} (+${anomaly.excessCredits.toFixed(1)}), ${anomaly.severity}`,
  );
  // The other alerts in the message, and the other channel's message, are as they were.
  for (const other of found.filter((a) => a.id !== anomaly.id)) {
    expect(blockText(messageOf(other)[0])).toContain(`Actual *${other.actual.toFixed(1)}* credits`);
  }
  expect(alertMessages().filter((m) => m.ts !== message.ts && m.updates > 0)).toEqual([]);
  expect(fake.files).toHaveLength(found.length);
});
