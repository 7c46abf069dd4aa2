/**
 * A worker killed (SIGKILL) between posting an alert and recording it: Slack has the message, the ledger says
 * pending. The next worker's retry — after the delivery's 45 s heartbeat timeout — finds the message in the channel
 * by the keys in its metadata and records it. The owners see one alert, not two. Real Temporal dev server, real
 * `snowpatrol worker` processes, real Postgres, the real WebClient against the Slack fake.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { listAnomalies, type AnomalyRow } from '../../activities/store/anomaly-store';
import { openDatabase, type Database } from '../../activities/store/database';
import { alertKey } from '../../activities/store/notification-store';
import { TASK_QUEUE, WORKFLOW_TYPES } from '../../schemas/constants';
import type { NotifyResult } from '../../schemas/results';
import { notifications } from '../../schemas/tables';
import { isolatedEnv, startCli, type RunningCli } from '../helpers/cli';
import type { TestDatabase } from '../helpers/postgres';
import { copyDatabase, scoredDatabase } from '../helpers/slack-scenario';
import { startTemporal } from '../helpers/temporal';
import { startSlackFake, type SlackFake } from '../slack-fake';

const SEED = 42;
/** A day of the scored week with two anomalies. */
const DAY = '2026-03-19';

let env: TestWorkflowEnvironment;
let template: TestDatabase;
let copy: TestDatabase;
let database: Database;
let fake: SlackFake;
let home: string;
const workers: RunningCli[] = [];

beforeAll(async () => {
  env = await startTemporal();
  ({ template } = await scoredDatabase(env, SEED, {
    asOf: '2026-03-21',
    source: 'demo',
    historyDays: 120,
    scoreDays: 7,
  }));
  copy = await copyDatabase(template);
  database = await openDatabase({ databaseUrl: copy.url });
  fake = await startSlackFake();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-crash-'));
});

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await fake?.stop();
  await database?.close();
  await copy?.drop();
  await template?.drop();
  await env?.teardown();
  fs.rmSync(home, { recursive: true, force: true });
});

function startWorker(): RunningCli {
  const worker = startCli(
    ['worker'],
    isolatedEnv({
      SNOWPATROL_HOME: home,
      TEMPORAL_ADDRESS: env.address,
      DATABASE_URL: copy.url,
      SLACK_BOT_TOKEN: fake.token,
      SLACK_CHANNEL: '#snowpatrol-alerts',
      SLACK_API_URL: fake.apiUrl,
    }),
  );
  workers.push(worker);
  return worker;
}

async function eventually(probe: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('a worker killed between posting and recording: the next one finds the message, no second alert', async () => {
  const anomalies: AnomalyRow[] = await listAnomalies(database.db, DAY, DAY);
  expect(anomalies.length).toBeGreaterThan(0);
  // Slack takes the post but the answer never comes back: the worker is stuck between post and record.
  fake.faults.hangAfterHandlingNext('chat.postMessage');
  const first = startWorker();
  const handle = await env.client.workflow.start(WORKFLOW_TYPES.notify, {
    taskQueue: TASK_QUEUE,
    workflowId: `snowpatrol-notify-${DAY}`,
    args: [{ asOf: DAY }],
  });
  await eventually(() => fake.messages().length === 1, 'the first worker has posted');
  expect((await database.db.select().from(notifications)).map((n) => n.status)).toEqual(anomalies.map(() => 'pending'));

  first.kill('SIGKILL');
  await first.exited;
  const second = startWorker();
  const result: NotifyResult = await handle.result();
  second.kill('SIGTERM');
  await second.exited;

  const posted = fake.messages().filter((m) => m.threadTs === undefined);
  expect(posted).toHaveLength(1);
  expect(fake.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
  const [message] = posted;
  expect((message.metadata?.event_payload.keys as string[]).sort()).toEqual(anomalies.map(alertKey).sort());
  const rows = await database.db.select().from(notifications);
  const ref = `slack:${message.channel}:${message.ts}`;
  expect(rows).toHaveLength(anomalies.length);
  for (const row of rows) expect(row).toMatchObject({ status: 'sent', messageRef: ref, attempts: 2 });
  expect(result).toMatchObject({ alerted: anomalies.length, destination: ref });
  // The second worker also attached the charts the first never got to.
  expect(fake.files.filter((f) => f.threadTs === message.ts && f.completed)).toHaveLength(anomalies.length);
}, 180_000);
