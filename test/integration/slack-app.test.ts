/**
 * The Slack app (`snowpatrol slack`) as Slack sees it: the real Bolt app on loopback, its Web API calls going to
 * the Slack fake, a real Temporal dev server and worker, and real Postgres. Requests are built and signed the
 * way Slack does; a click must record what the user said and edit the alert in place, a slash command must start
 * or report runs, and a request that is not Slack's must change nothing.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { count, eq } from 'drizzle-orm';
import { createNotifyActivities } from '../../activities/notify-activities';
import { ALERT_ACTIONS } from '../../activities/slack/block-kit';
import { createSlackClient, SlackTransport } from '../../activities/slack/slack-transport';
import { upsertAnomaly } from '../../activities/store/anomaly-store';
import { openDatabase, type Database } from '../../activities/store/database';
import { daysExcludedFromTraining } from '../../activities/store/feedback-store';
import { slackAppProblems, startSlackApp, type RunningSlackApp } from '../../client/slack/bolt-app';
import { snoozeWorkflowId, WORKFLOW_TYPES } from '../../schemas/constants';
import type { SlackConnection } from '../../schemas/slack-config';
import { anomalies, feedback, snoozes } from '../../schemas/tables';
import { startSlackFake, type FakeMessage, type SlackFake } from '../slack-fake';
import { insertStubModel, spikeFinding } from '../fixtures/model-version';
import { startTemporal } from '../helpers/temporal';
import { startTestWorker, type TestWorker } from '../helpers/worker';

const SIGNING_SECRET = 'test-signing-secret-8f2a';
const WEB_UI = 'http://localhost:8233';
const DAY_MS = 86_400_000;

let env: TestWorkflowEnvironment;
let fake: SlackFake;
let tw: TestWorker;
let appDatabase: Database;
let app: RunningSlackApp;
let responses: ResponseUrlServer;
let modelVersionId: number;
const appLog: string[] = [];
/** Workflows the tests caused, terminated at the end whatever happened. */
const started = new Set<string>();

beforeAll(async () => {
  env = await startTemporal();
  fake = await startSlackFake();
  tw = await startTestWorker(env, 42);
  // The app is its own process in production: its own connection to the worker's database.
  appDatabase = await openDatabase({ databaseUrl: tw.databaseUrl, maxConnections: 2 });
  responses = await startResponseUrlServer();
  app = await startSlackApp({
    slack: slackConnection({ signingSecret: SIGNING_SECRET }),
    db: appDatabase.db,
    temporal: env.client,
    namespace: env.namespace ?? 'default',
    webUiUrl: WEB_UI,
    port: 0,
    log: (line) => appLog.push(line),
  });
  modelVersionId = await insertStubModel(tw.database.db);
});

afterAll(async () => {
  await app?.stop();
  for (const id of started) {
    await env?.client.workflow
      .getHandle(id)
      .terminate('slack-app test over')
      .catch(() => undefined);
  }
  await tw?.stop();
  await appDatabase?.close();
  await responses?.stop();
  await fake?.stop();
  await env?.teardown();
});

// ---------------------------------------------------------------------------------------------------------------
// Builders: alerts in the fake's channel, and requests as Slack sends them.
// ---------------------------------------------------------------------------------------------------------------

function slackConnection(overrides: Partial<SlackConnection> = {}): SlackConnection {
  return {
    botToken: fake?.token ?? 'xoxb-test-token',
    apiUrl: fake?.apiUrl ?? 'https://slack.com/api/',
    signingSecret: undefined,
    appToken: undefined,
    port: 3000,
    ...overrides,
  };
}

/** Open anomalies on `day` (one per warehouse), alerted by the real notify activity in one message in #snowpatrol-alerts. */
async function alertedDay(day: string, warehouses: string[]): Promise<{ ids: number[]; message: FakeMessage }> {
  const ids: number[] = [];
  for (const warehouse of warehouses) {
    ids.push(await upsertAnomaly(tw.database.db, spikeFinding(modelVersionId, { warehouse, usageDate: day })));
  }
  const notify = createNotifyActivities({
    db: tw.database.db,
    transport: new SlackTransport(createSlackClient(fake.token, fake.apiUrl)),
    alerts: { channel: 'C0ALERTS', routes: [] },
    webUiUrl: WEB_UI,
    namespace: 'default',
    featureVersion: 'test',
    charts: false,
  });
  const sent = await new MockActivityEnvironment(undefined, { logger: new DefaultLogger('WARN') }).run(
    notify.sendAnomalyAlerts,
    {
      from: day,
      to: day,
      workflowId: `snowpatrol-pipeline-${day}`,
      runId: 'run',
    },
  );
  expect(sent).toMatchObject({ alerted: warehouses.length, messages: 1 });
  const message = fake.messages('C0ALERTS').at(-1)!;
  return { ids, message };
}

/** The message as the channel shows it now. */
function current(message: FakeMessage): FakeMessage {
  const now = fake.messages('C0ALERTS').find((m) => m.ts === message.ts);
  if (!now) throw new Error(`message ${message.ts} is gone`);
  return now;
}

interface Button {
  type: 'button';
  action_id: string;
  value: string;
  text: { type: 'plain_text'; text: string };
}

/** The buttons the message shows for an anomaly (none once someone has dealt with it). */
function buttonsOf(message: FakeMessage, anomalyId: number): Button[] {
  return (message.blocks as { type: string; elements?: Button[] }[])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? [])
    .filter((e) => e.type === 'button' && e.value === String(anomalyId));
}

const textOf = (message: FakeMessage) => JSON.stringify(message.blocks);

let interactions = 0;

/**
 * The `block_actions` payload Slack sends when U0ALICE clicks `actionId` on an anomaly in `message`. The button
 * must be on the message as it stands: a click can only be on what the user sees.
 */
function click(message: FakeMessage, actionId: string, anomalyId: number): Record<string, unknown> {
  const shown = current(message);
  const [block] = (shown.blocks as { type: string; block_id?: string; elements?: Button[] }[]).filter(
    (b) =>
      b.type === 'actions' && (b.elements ?? []).some((e) => e.action_id === actionId && e.value === String(anomalyId)),
  );
  if (!block) throw new Error(`the message shows no ${actionId} button for anomaly ${anomalyId}`);
  const button = block.elements!.find((e) => e.action_id === actionId)!;
  interactions += 1;
  const actionTs = (Date.now() / 1000).toFixed(6);
  return {
    type: 'block_actions',
    user: { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T0ACME' },
    api_app_id: 'A0SNOWPATROL',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: shown.ts, channel_id: shown.channel, is_ephemeral: false },
    trigger_id: `${interactions}.1234.abcdef`,
    team: { id: 'T0ACME', domain: 'acme' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: shown.channel, name: 'snowpatrol-alerts' },
    message: {
      type: 'message',
      user: shown.user,
      bot_id: 'B0SNOWBOT',
      ts: shown.ts,
      text: shown.text,
      blocks: shown.blocks,
    },
    state: { values: {} },
    response_url: `${responses.url}/actions/${interactions}`,
    actions: [{ ...button, block_id: block.block_id, action_ts: actionTs }],
  };
}

/** The form fields Slack POSTs for `/snowpatrol <text>` typed by U0ALICE in #snowpatrol-alerts. */
function slash(text: string): Record<string, string> {
  interactions += 1;
  return {
    token: 'deprecated-verification-token',
    team_id: 'T0ACME',
    team_domain: 'acme',
    channel_id: 'C0ALERTS',
    channel_name: 'snowpatrol-alerts',
    user_id: 'U0ALICE',
    user_name: 'alice',
    command: '/snowpatrol',
    text,
    api_app_id: 'A0SNOWPATROL',
    is_enterprise_install: 'false',
    response_url: `${responses.url}/commands/${interactions}`,
    trigger_id: `${interactions}.1234.abcdef`,
  };
}

const formBody = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const actionBody = (payload: Record<string, unknown>) => formBody({ payload: JSON.stringify(payload) });

/** Slack's request signature: v0= HMAC-SHA256(signing secret, `v0:<timestamp>:<raw body>`) in hex. */
function signed(body: string, timestamp = Math.floor(Date.now() / 1000), secret = SIGNING_SECRET) {
  const signature = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${signature}` };
}

/** POST to the app's request URL as Slack does (exactly this content type: Bolt compares it verbatim). */
async function post(body: string, headers: Record<string, string> = signed(body)) {
  const res = await fetch(`http://127.0.0.1:${app.port}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}

/** Type `/snowpatrol <text>`: the ephemeral reply the user sees (Bolt answers it in the HTTP response). */
async function command(text: string): Promise<string> {
  const res = await post(formBody(slash(text)));
  expect(res.status).toBe(200);
  const reply = JSON.parse(res.text) as { response_type: string; text: string };
  expect(reply.response_type).toBe('ephemeral');
  return reply.text;
}

/** Click, expect Slack's 3-second acknowledgement, and wait for the ephemeral reply the clicker then gets. */
async function clickAndWait(message: FakeMessage, actionId: string, anomalyId: number): Promise<string> {
  const payload = click(message, actionId, anomalyId);
  const sentAt = Date.now();
  const res = await post(actionBody(payload));
  expect(res.status).toBe(200);
  expect(Date.now() - sentAt).toBeLessThan(3000);
  const reply = await eventually(() =>
    responses.received.find((r) => r.url === new URL(String(payload.response_url)).pathname),
  );
  expect(reply.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
  return String(reply.body.text);
}

async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms; app log:\n${appLog.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A TCP link to `target` (host:port) that holds every byte sent through it for `delayMs` (0 at first). */
async function startSlowLink(target: string) {
  const colon = target.lastIndexOf(':');
  const [host, port] = [target.slice(0, colon), Number(target.slice(colon + 1))];
  const sockets = new Set<net.Socket>();
  const held = new Set<NodeJS.Timeout>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(port, host);
    sockets.add(inbound).add(outbound);
    inbound.on('data', (chunk) => {
      const timer = setTimeout(() => {
        held.delete(timer);
        if (!outbound.destroyed) outbound.write(chunk);
      }, link.delayMs);
      held.add(timer);
    });
    outbound.pipe(inbound);
    for (const socket of [inbound, outbound]) {
      socket.on('error', () => undefined).on('close', () => (inbound.destroy(), outbound.destroy()));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const link = {
    delayMs: 0,
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop(): Promise<void> {
      for (const timer of held) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return link;
}

interface ResponseUrlServer {
  url: string;
  /** Every POST to a response_url, in arrival order. */
  received: { url: string; body: Record<string, unknown> }[];
  stop(): Promise<void>;
}

/** Stands in for Slack's response_url endpoint: what the app says back to the person who clicked. */
async function startResponseUrlServer(): Promise<ResponseUrlServer> {
  const received: ResponseUrlServer['received'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ url: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString() || '{}') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// What the database and the server say.
// ---------------------------------------------------------------------------------------------------------------

const db = () => tw.database.db;
const feedbackOf = (anomalyId: number) => db().select().from(feedback).where(eq(feedback.anomalyId, anomalyId));
const statusOf = async (anomalyId: number) =>
  (await db().select({ status: anomalies.status }).from(anomalies).where(eq(anomalies.id, anomalyId)))[0]?.status;
const snoozeOf = async (warehouse: string) =>
  (await db().select().from(snoozes).where(eq(snoozes.warehouse, warehouse)))[0];
const rows = async (table: typeof feedback | typeof snoozes) => (await db().select({ n: count() }).from(table))[0].n;
const updateCalls = () => fake.calls.filter((c) => c.method === 'chat.update').length;
const postCalls = () => fake.calls.filter((c) => c.method === 'chat.postMessage').length;

async function describeStatus(workflowId: string): Promise<string | undefined> {
  try {
    return (await env.client.workflow.getHandle(workflowId).describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------

describe('alert buttons', () => {
  test('Acknowledge records who confirmed it and edits the alert: that anomaly loses its buttons and says who acknowledged', async () => {
    const { ids, message } = await alertedDay('2026-11-10', ['ACME_PROD.ETL_WH', 'ACME_PROD.BI_WH']);
    const [etl, bi] = ids;
    expect(buttonsOf(message, etl)).toHaveLength(5);
    const posts = postCalls();

    const reply = await clickAndWait(message, ALERT_ACTIONS.acknowledge, etl);

    expect(reply).toBe('Acknowledged ACME_PROD.ETL_WH on 2026-11-10.');
    expect(await feedbackOf(etl)).toEqual([
      expect.objectContaining({ author: 'U0ALICE', verdict: 'confirmed', anomalyId: etl }),
    ]);
    expect(await statusOf(etl)).toBe('acked');
    const edited = current(message);
    expect(edited.updates).toBe(1);
    expect(buttonsOf(edited, etl)).toEqual([]);
    expect(textOf(edited)).toContain('Acknowledged by <@U0ALICE>');
    // The other anomaly in the same message is untouched: still open, still clickable.
    expect(buttonsOf(edited, bi)).toHaveLength(5);
    expect(await statusOf(bi)).toBe('open');
    // Edited in place, never posted again.
    expect(postCalls()).toBe(posts);
  });

  test('"Not an anomaly" and "Expected" record their verdicts, edit the alert, and leave the day out of training', async () => {
    const day = '2026-11-11';
    const { ids, message } = await alertedDay(day, ['ACME_PROD.BI_WH', 'ACME_DEV.ADHOC_WH']);
    const [bi, adhoc] = ids;

    expect(await clickAndWait(message, ALERT_ACTIONS.falsePositive, bi)).toContain(
      'the next training run leaves the day out',
    );
    expect(await clickAndWait(message, ALERT_ACTIONS.expected, adhoc)).toContain('as expected (planned work)');

    expect(await feedbackOf(bi)).toEqual([expect.objectContaining({ author: 'U0ALICE', verdict: 'false_positive' })]);
    expect(await feedbackOf(adhoc)).toEqual([
      expect.objectContaining({ author: 'U0ALICE', verdict: 'expected_change' }),
    ]);
    expect(await statusOf(bi)).toBe('false_positive');
    expect(await statusOf(adhoc)).toBe('false_positive');
    const edited = current(message);
    expect(edited.updates).toBe(2);
    expect(buttonsOf(edited, bi)).toEqual([]);
    expect(buttonsOf(edited, adhoc)).toEqual([]);
    expect(textOf(edited)).toContain('Marked not an anomaly by <@U0ALICE>');
    expect(textOf(edited)).toContain('Marked expected (planned work) by <@U0ALICE>');
    expect(await daysExcludedFromTraining(db(), 'ACME_PROD.BI_WH', '2026-11-01', '2026-11-30')).toEqual(new Set([day]));
    expect(await daysExcludedFromTraining(db(), 'ACME_DEV.ADHOC_WH', '2026-11-01', '2026-11-30')).toEqual(
      new Set([day]),
    );
  });

  test('Snooze 7 days mutes the warehouse for a week on a durable timer and says so on the alert', async () => {
    const warehouse = 'ACME_PROD.LOAD_WH';
    const { ids, message } = await alertedDay('2026-11-12', [warehouse]);
    const [load] = ids;
    started.add(snoozeWorkflowId(warehouse));
    const clickedAt = Date.now();

    const reply = await clickAndWait(message, ALERT_ACTIONS.snooze7, load);

    expect(reply).toMatch(/^Snoozed ACME_PROD\.LOAD_WH until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    const row = await snoozeOf(warehouse);
    expect(row).toMatchObject({ author: 'U0ALICE', anomalyId: load });
    expect(Math.abs(row!.until.getTime() - (clickedAt + 7 * DAY_MS))).toBeLessThan(60_000);
    const handle = env.client.workflow.getHandle(snoozeWorkflowId(warehouse));
    const described = await handle.describe();
    expect(described.status.name).toBe('RUNNING');
    expect(described.type).toBe(WORKFLOW_TYPES.snooze);
    const edited = current(message);
    expect(edited.updates).toBe(1);
    expect(buttonsOf(edited, load)).toEqual([]);
    expect(textOf(edited)).toContain(`${warehouse} snoozed until`);
    expect(textOf(edited)).toContain('by <@U0ALICE>');

    await handle.terminate('slack-app test over');
    started.delete(snoozeWorkflowId(warehouse));
  });
});

describe('requests that are not from Slack', () => {
  test('unsigned, wrongly signed, stale and altered requests are refused and change nothing', async () => {
    const { ids, message } = await alertedDay('2026-11-13', ['ACME_DEV.ADHOC_WH']);
    const [adhoc] = ids;
    const payload = click(message, ALERT_ACTIONS.acknowledge, adhoc);
    const body = actionBody(payload);
    const [action] = payload.actions as Record<string, unknown>[];
    const altered = actionBody({ ...payload, actions: [{ ...action, action_id: ALERT_ACTIONS.falsePositive }] });
    const snoozeBody = actionBody(click(message, ALERT_ACTIONS.snooze1, adhoc));
    const before = {
      feedback: await rows(feedback),
      snoozes: await rows(snoozes),
      updates: updateCalls(),
      replies: responses.received.length,
    };
    const now = Math.floor(Date.now() / 1000);
    const tenMinutesAgo = now - 600;

    const refused = {
      unsigned: await post(body, {}),
      'wrong secret': await post(body, signed(body, now, 'not-the-signing-secret')),
      'garbage signature': await post(body, { 'x-slack-request-timestamp': String(now), 'x-slack-signature': 'v0=00' }),
      'ten minutes old': await post(body, signed(body, tenMinutesAgo)),
      'altered after signing': await post(altered, signed(body)),
      'snooze, unsigned': await post(snoozeBody, {}),
    };
    for (const [what, res] of Object.entries(refused)) {
      expect({ what, ok: res.status >= 200 && res.status < 300 }).toEqual({ what, ok: false });
    }

    // Nothing a handler could do in the background either.
    await new Promise((r) => setTimeout(r, 500));
    expect({
      feedback: await rows(feedback),
      snoozes: await rows(snoozes),
      updates: updateCalls(),
      replies: responses.received.length,
    }).toEqual(before);
    expect(await statusOf(adhoc)).toBe('open');
    expect(current(message).updates).toBe(0);
    expect(await describeStatus(snoozeWorkflowId('ACME_DEV.ADHOC_WH'))).toBeUndefined();

    // The very same click, signed with the secret, is what would have counted.
    const res = await post(body);
    expect(res.status).toBe(200);
    await eventually(() => current(message).updates === 1);
    expect(await statusOf(adhoc)).toBe('acked');
    expect(await rows(feedback)).toBe(before.feedback + 1);
  });
});

describe('/snowpatrol', () => {
  test('run <day> starts that day’s pipeline under its business id and links it; bad days start nothing', async () => {
    const workflowId = 'snowpatrol-pipeline-2026-03-20';
    started.add(workflowId);

    const reply = await command('run 2026-03-20');

    expect(reply).toContain(workflowId);
    const described = await env.client.workflow.getHandle(workflowId).describe();
    expect(described.type).toBe(WORKFLOW_TYPES.pipeline);
    expect(reply).toContain(
      `<${WEB_UI}/namespaces/default/workflows/${workflowId}/${described.runId}/history|${workflowId}>`,
    );

    for (const bad of ['run tomorrow', 'run 2026-13-45']) {
      expect(await command(bad)).toMatch(/^Usage: `\/snowpatrol run \[YYYY-MM-DD\]`/);
    }
    expect(await describeStatus('snowpatrol-pipeline-tomorrow')).toBeUndefined();
    expect(await describeStatus('snowpatrol-pipeline-2026-13-45')).toBeUndefined();

    // Visibility is eventually consistent: the run shows up in `status` within moments.
    const status = await eventually(async () => {
      const text = await command('status');
      return text.includes(workflowId) ? text : undefined;
    });
    expect(status).toMatch(/^Latest snowpatrol runs:\n/);
    expect(status).toContain(`/workflows/${workflowId}/${described.runId}/history|${workflowId}>`);
    // One pipeline run in all: the bad days added none.
    const runs = await env.client.workflow.count(`WorkflowType = '${WORKFLOW_TYPES.pipeline}'`);
    expect(runs.count).toBe(1);

    await env.client.workflow.getHandle(workflowId).terminate('slack-app test over');
    started.delete(workflowId);
  });

  test('snooze <warehouse> <days> mutes it on a durable timer', async () => {
    const warehouse = 'ACME_PROD.ETL_WH';
    started.add(snoozeWorkflowId(warehouse));
    const typedAt = Date.now();

    const reply = await command('snooze acme_prod.etl_wh 2');

    expect(reply).toMatch(/^Snoozed ACME_PROD\.ETL_WH until \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/);
    const row = await snoozeOf(warehouse);
    expect(row).toMatchObject({ author: 'U0ALICE', anomalyId: null });
    expect(Math.abs(row!.until.getTime() - (typedAt + 2 * DAY_MS))).toBeLessThan(60_000);
    expect(await describeStatus(snoozeWorkflowId(warehouse))).toBe('RUNNING');

    expect(await command('snooze ACME_PROD.ETL_WH forever')).toMatch(/^Usage: `\/snowpatrol snooze/);
    expect(await command('snooze ACME_PROD.ETL_WH 91')).toMatch(/^Usage: `\/snowpatrol snooze/);

    await env.client.workflow.getHandle(snoozeWorkflowId(warehouse)).terminate('slack-app test over');
    started.delete(snoozeWorkflowId(warehouse));
  });

  test('a slow answer is still acknowledged within Slack’s 3 seconds, and arrives through the response_url', async () => {
    // The same app, reaching the same Temporal server through a link that takes 3.5 s each way.
    const link = await startSlowLink(env.address);
    const connection = await Connection.connect({ address: link.address });
    const slowApp = await startSlackApp({
      slack: slackConnection({ signingSecret: SIGNING_SECRET }),
      db: appDatabase.db,
      temporal: new Client({ connection, namespace: env.namespace ?? 'default' }),
      namespace: env.namespace ?? 'default',
      webUiUrl: WEB_UI,
      port: 0,
      log: (line) => appLog.push(line),
    });
    try {
      link.delayMs = 3500;
      const fields = slash('status');
      const body = formBody(fields);
      const sentAt = Date.now();
      const res = await fetch(`http://127.0.0.1:${slowApp.port}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...signed(body) },
        body,
      });
      const answeredIn = Date.now() - sentAt;

      expect(res.status).toBe(200);
      expect(answeredIn).toBeLessThan(3000);
      expect(await res.json()).toMatchObject({
        response_type: 'ephemeral',
        text: 'Working on `/snowpatrol status`…',
      });
      const path = new URL(fields.response_url).pathname;
      const later = await eventually(() => responses.received.find((r) => r.url === path));
      expect(later.body).toMatchObject({
        response_type: 'ephemeral',
        text: expect.stringMatching(/^(Latest snowpatrol runs:\n|No snowpatrol runs yet\.$)/),
      });
    } finally {
      // Closing the connection under a call still in flight would crash the process (gRPC retry after close).
      await eventually(() => appLog.some((l) => l.startsWith('U0ALICE ran /snowpatrol status'))).catch(() => undefined);
      await slowApp.stop();
      await connection.close();
      await link.stop();
    }
  });

  test('an unknown verb, or none, gets the help', async () => {
    const unknown = await command('frobnicate now');
    const none = await command('');
    expect(unknown).toMatch(/^Unknown command `frobnicate`\./);
    for (const line of ['/snowpatrol run [YYYY-MM-DD]', '/snowpatrol status', '/snowpatrol snooze']) {
      expect(unknown).toContain(line);
      expect(none).toContain(line);
    }
  });
});

describe('settings', () => {
  test('the app names what is missing before starting anything', async () => {
    expect(slackAppProblems(undefined)).toEqual([expect.stringMatching(/^SLACK_BOT_TOKEN: required/)]);
    expect(slackAppProblems(slackConnection())).toEqual([
      expect.stringMatching(/^SLACK_SIGNING_SECRET: required for the HTTP receiver.*or set SLACK_APP_TOKEN/),
    ]);
    expect(slackAppProblems(slackConnection({ signingSecret: 'secret' }))).toEqual([]);
    expect(slackAppProblems(slackConnection({ appToken: 'xapp-1-token' }))).toEqual([]);
    await expect(
      startSlackApp({
        slack: slackConnection(),
        db: appDatabase.db,
        temporal: env.client,
        namespace: 'default',
        webUiUrl: WEB_UI,
        port: 0,
      }),
    ).rejects.toThrow(/cannot start the Slack app:\n {2}- SLACK_SIGNING_SECRET/);
  });
});
