/**
 * Slack delivery when things go wrong, through a real Temporal dev server, real workers, the real Postgres and the
 * real WebClient against the Slack Web API fake. Each scenario gets its own fake, its own worker and its own copy
 * of a database where the demo organisation's week was scored but not alerted, and alerts one day that has two
 * anomalies. A post whose answer was lost is found again instead of posted twice; a 429 is waited out; a bad
 * token or a channel the bot is not in stops delivery at once and says how to fix it; a failed run posts one
 * failure alert; a snoozed warehouse is not alerted.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { listAnomalies, type AnomalyRow } from '../../activities/store/anomaly-store';
import { openDatabase } from '../../activities/store/database';
import { alertKey } from '../../activities/store/notification-store';
import { activeSnoozes, setSnooze } from '../../activities/store/snooze-store';
import { snoozeWorkflowId, WORKFLOW_TYPES } from '../../schemas/constants';
import { runUrl } from '../../schemas/links';
import type { NotifyResult } from '../../schemas/results';
import { pipelineStartOptions } from '../../schemas/start-policies';
import { notifications, snoozes } from '../../schemas/tables';
import type { TestDatabase } from '../helpers/postgres';
import { scoredDatabase, startSlackScenario, type SlackScenario } from '../helpers/slack-scenario';
import { startTemporal } from '../helpers/temporal';
import type { FakeMessage } from '../slack-fake';

const SEED = 42;
const AS_OF = '2026-03-21';
/** A day of the scored week with two anomalies: ACME_DEV.DEV_WH and ACME_PROD.DS_WH. */
const DAY = '2026-03-19';

let env: TestWorkflowEnvironment;
let template: TestDatabase;
/** The anomalies of DAY, as scored (the same in every copy). */
let dayAnomalies: AnomalyRow[];
const running: SlackScenario[] = [];

beforeAll(async () => {
  env = await startTemporal();
  ({ template } = await scoredDatabase(env, SEED, { asOf: AS_OF, source: 'demo', historyDays: 120, scoreDays: 7 }));
  const database = await openDatabase({ databaseUrl: template.url });
  try {
    dayAnomalies = await listAnomalies(database.db, DAY, DAY);
  } finally {
    await database.close();
  }
  const accounts = dayAnomalies.map((a) => a.warehouse.split('.')[0]);
  if (accounts.join() !== 'ACME_DEV,ACME_PROD') throw new Error(`expected one anomaly per account on ${DAY}`);
});

afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

afterAll(async () => {
  await template?.drop();
  await env?.teardown();
});

async function scenario(routes: Parameters<typeof startSlackScenario>[3] = []): Promise<SlackScenario> {
  const s = await startSlackScenario(env, SEED, template, routes);
  running.push(s);
  return s;
}

let notifyRuns = 0;

/** Start `notifyAnomalies` for DAY on the scenario's worker, as `temporal workflow start` would. */
function startNotify(s: SlackScenario): Promise<WorkflowHandle> {
  notifyRuns += 1;
  return env.client.workflow.start(WORKFLOW_TYPES.notify, {
    taskQueue: s.taskQueue,
    workflowId: `slack-notify-${DAY}-${notifyRuns}`,
    args: [{ asOf: DAY }],
  });
}

const alertMessages = (s: SlackScenario) => s.fake.messages().filter((m) => m.threadTs === undefined);
const keysOf = (m: FakeMessage) => (m.metadata?.event_payload.keys ?? []) as string[];
const withKey = (s: SlackScenario, key: string) => alertMessages(s).filter((m) => keysOf(m).includes(key));
const callsOf = (s: SlackScenario, method: string) => s.fake.calls.filter((c) => c.method === method);
const ledger = (s: SlackScenario) => s.worker.database.db.select().from(notifications);

/** How many attempts the run's activity of this type took (from the workflow history). */
async function attemptsOf(handle: WorkflowHandle, activityType: string): Promise<number> {
  const { events } = await handle.fetchHistory();
  const scheduled = new Set(
    (events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType)
      .map((e) => Number(e.eventId)),
  );
  const started = (events ?? []).filter((e) =>
    scheduled.has(Number(e.activityTaskStartedEventAttributes?.scheduledEventId ?? -1)),
  );
  return Math.max(0, ...started.map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0));
}

/** Every message in a failure's cause chain, outermost first. */
function causeMessages(err: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) messages.push(e.message);
  return messages.join(' <- ');
}

describe('a post whose answer was lost', () => {
  test('is found in the channel by its keys on the retry and recorded, not posted twice', async () => {
    const s = await scenario();
    // Slack posts the message, then the connection drops: the worker never learns the ts.
    s.fake.faults.dropAfterHandlingNext('chat.postMessage');

    const handle = await startNotify(s);
    const result: NotifyResult = await handle.result();

    expect(await attemptsOf(handle, 'sendAnomalyAlerts')).toBe(2);
    const posts = callsOf(s, 'chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({ ok: true, dropped: true });
    // The retry resolved the channel name to its id and read the channel's history with the metadata.
    expect(callsOf(s, 'conversations.list').length).toBeGreaterThan(0);
    expect(callsOf(s, 'conversations.history').at(-1)?.args).toMatchObject({ channel: 'C0ALERTS' });

    expect(alertMessages(s)).toHaveLength(1);
    const [message] = alertMessages(s);
    const ref = `slack:C0ALERTS:${message.ts}`;
    for (const anomaly of dayAnomalies) expect(withKey(s, alertKey(anomaly))).toEqual([message]);
    const rows = await ledger(s);
    expect(rows).toHaveLength(dayAnomalies.length);
    for (const row of rows) expect(row).toMatchObject({ status: 'sent', messageRef: ref, attempts: 2 });
    expect(result).toMatchObject({ alerted: dayAnomalies.length, destination: ref });
    // The charts went into the thread of the message that was found.
    expect(s.fake.files.map((f) => f.threadTs)).toEqual(dayAnomalies.map(() => message.ts));
  });
});

describe('a rate limit', () => {
  test('is waited out for the Retry-After Slack asked for, then the alert is posted once', async () => {
    const s = await scenario();
    s.fake.faults.rateLimitNext('chat.postMessage', 1);

    const handle = await startNotify(s);
    await handle.result();

    const posts = callsOf(s, 'chat.postMessage');
    expect(posts.map((c) => c.status)).toEqual([429, 200]);
    expect(posts[1].at - posts[0].at).toBeGreaterThanOrEqual(1000);
    expect(alertMessages(s)).toHaveLength(1);
    // Waited inside the one attempt, not by failing it.
    expect(await attemptsOf(handle, 'sendAnomalyAlerts')).toBe(1);
    for (const row of await ledger(s)) expect(row).toMatchObject({ status: 'sent', attempts: 1 });
  });
});

describe('a setting only a person can fix', () => {
  test('a refused token fails the notify stage at once, naming SLACK_BOT_TOKEN, and records nothing as sent', async () => {
    const s = await scenario();
    s.fake.revokeToken();

    const started = Date.now();
    const handle = await startNotify(s);
    const failure = await handle.result().catch((err: unknown) => err);

    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(causeMessages(failure)).toContain('invalid_auth');
    expect(causeMessages(failure)).toContain('check SLACK_BOT_TOKEN');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await attemptsOf(handle, 'sendAnomalyAlerts')).toBe(1);
    expect((await ledger(s)).filter((n) => n.status === 'sent')).toEqual([]);
    expect(s.fake.messages()).toEqual([]);
  });

  test('a route to a channel the bot is not in fails, telling to invite the bot; other channels still get theirs', async () => {
    const s = await scenario([{ prefix: 'ACME_DEV', channel: 'not-joined' }]);

    const handle = await startNotify(s);
    const failure = await handle.result().catch((err: unknown) => err);

    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(causeMessages(failure)).toContain('not_in_channel');
    expect(causeMessages(failure)).toContain('the bot is not in channel not-joined: invite it there with /invite');
    expect(await attemptsOf(handle, 'sendAnomalyAlerts')).toBe(1);

    const dev = dayAnomalies.filter((a) => a.warehouse.startsWith('ACME_DEV.'));
    const prod = dayAnomalies.filter((a) => !a.warehouse.startsWith('ACME_DEV.'));
    expect(dev.length).toBeGreaterThan(0);
    expect(prod.length).toBeGreaterThan(0);
    const rows = await ledger(s);
    for (const a of dev) expect(rows.find((r) => r.anomalyId === a.id)?.status).not.toBe('sent');
    for (const a of prod) {
      expect(withKey(s, alertKey(a))).toHaveLength(1);
      expect(rows.find((r) => r.anomalyId === a.id)?.status).toBe('sent');
    }
    // The failure alert in the default channel says what to do.
    const failures = alertMessages(s).filter((m) => m.metadata?.event_type === 'snowpatrol_failure');
    expect(failures).toHaveLength(1);
    expect(JSON.stringify(failures[0].blocks)).toContain('/invite @snowpatrol');
  });
});

describe('a run that fails', () => {
  const FAILED_DAY = '2026-03-10';

  test('posts one failure alert per run, naming the stage, the error and the run, and then fails', async () => {
    const s = await scenario();
    const start = () =>
      env.client.workflow.start(WORKFLOW_TYPES.pipeline, {
        ...pipelineStartOptions(FAILED_DAY),
        taskQueue: s.taskQueue,
        args: [{ asOf: FAILED_DAY, source: 'csv:does-not-exist.csv', waitForData: false }],
      });

    const firstRun = await start();
    await expect(firstRun.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    // A failed day may be run again under the same business id: a new run, so a new failure alert.
    const secondRun = await start();
    expect(secondRun.firstExecutionRunId).not.toBe(firstRun.firstExecutionRunId);
    await expect(secondRun.result()).rejects.toBeInstanceOf(WorkflowFailedError);

    const posted = alertMessages(s);
    expect(posted).toHaveLength(2);
    for (const [run, message] of [firstRun, secondRun].map((r, i) => [r, posted[i]] as const)) {
      expect(keysOf(message)).toEqual([`failure:${run.workflowId}:${run.firstExecutionRunId}`]);
      expect(message).toMatchObject({
        channel: 'C0ALERTS',
        text: `snowpatrol run for ${FAILED_DAY} failed in stage ingest`,
      });
      const text = JSON.stringify(message.blocks);
      expect(text).toContain('*Stage:* ingest');
      expect(text).toContain('SourceError: cannot read');
      expect(text).toContain('does-not-exist.csv');
      expect(text).toContain(runUrl('http://localhost:8233', 'default', run.workflowId, run.firstExecutionRunId));
    }
    expect(callsOf(s, 'chat.postMessage')).toHaveLength(2);
  });
});

describe('a snoozed warehouse', () => {
  test('is not alerted while snoozed; the other warehouses are', async () => {
    const s = await scenario();
    const [muted, alerted] = dayAnomalies;
    await setSnooze(s.worker.database.db, {
      warehouse: muted.warehouse,
      until: new Date(Date.now() + 3_600_000),
      author: 'U0ALICE',
    });

    const handle = await startNotify(s);
    const result: NotifyResult = await handle.result();

    expect(result).toMatchObject({ alerted: 1 });
    expect(withKey(s, alertKey(muted))).toEqual([]);
    expect(withKey(s, alertKey(alerted))).toHaveLength(1);
    expect(alertMessages(s)).toHaveLength(1);
    const now = await listAnomalies(s.worker.database.db, DAY, DAY);
    expect(now.find((a) => a.id === muted.id)?.status).toBe('snoozed');
    expect(now.find((a) => a.id === alerted.id)?.status).toBe('open');
    // Nothing was even claimed for the snoozed warehouse.
    expect((await ledger(s)).map((r) => r.anomalyId)).toEqual([alerted.id]);
  });

  test('the snoozeWarehouse workflow mutes a warehouse until its time, then unmutes it', async () => {
    const s = await scenario();
    const warehouse = 'ACME_PROD.ETL_WH';
    const until = new Date(Date.now() + 2_000).toISOString();

    const handle = await env.client.workflow.start(WORKFLOW_TYPES.snooze, {
      taskQueue: s.taskQueue,
      workflowId: snoozeWorkflowId(warehouse),
      args: [{ warehouse, until, author: 'U0ALICE' }],
    });
    let snoozed = await activeSnoozes(s.worker.database.db);
    while (snoozed.length === 0) {
      await new Promise((r) => setTimeout(r, 50));
      snoozed = await activeSnoozes(s.worker.database.db);
    }
    expect(snoozed).toMatchObject([{ warehouse, until: new Date(until), author: 'U0ALICE' }]);
    expect((await handle.describe()).status.name).toBe('RUNNING');

    expect(await handle.result()).toEqual({ warehouse, until, ended: true });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(until));
    expect(await s.worker.database.db.select().from(snoozes)).toEqual([]);
  });
});
