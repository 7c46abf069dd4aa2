/**
 * No secret ever reaches Temporal or a log. Every secret snowpatrol is given is a sentinel here — the Snowflake
 * password, private key and its passphrase, the Slack bot token and signing secret, the database password, the
 * Temporal API key — and the real processes run with them: `snowpatrol worker` (JSON logs) runs the whole pipeline
 * from the Snowflake emulator into Postgres with alerts to the Slack fake, through injected 503s and a slow
 * Snowflake (so the extract heartbeats), then a load the role may not read (a failure and its failure alert);
 * `snowpatrol slack` answers signed slash commands and refuses a forged one; `snowpatrol ingest` loads with the
 * key pair (text logs) and fails with a wrong password and a wrong passphrase. Then everything the server keeps
 * (every run's history, children and failures included, and the pending heartbeats seen while running), every
 * line the processes wrote and everything sent to Slack is searched for each sentinel, in the clear and in base64.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { TASK_QUEUE, WORKFLOW_TYPES, workflowIdFor } from '../../schemas/constants';
import type { PipelineResult } from '../../schemas/results';
import { generateKeyPair, startSnowflakeEmulator, type SnowflakeEmulator } from '../emulator';
import { tempDir } from '../fixtures/temp-dir';
import { loadOrg, orgRows, SVC_USER } from '../fixtures/snowflake-org';
import { freePort, isolatedEnv, runCli, startNodeCli, type CapturedProcess, type CliResult } from '../helpers/cli';
import { exportHistories, findSecrets, runText, searchableText, type ExportedRun } from '../helpers/history-export';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { startTemporal } from '../helpers/temporal';
import { startSlackFake, type SlackFake } from '../slack-fake';

const AS_OF = '2026-03-31';
const FROM = '2026-01-31'; // 60 days

/** The sentinels: distinctive enough that any appearance is a leak. */
const SECRET = {
  snowflakePassword: 'sfpw-SENTINEL-6d1f0b9e7c',
  wrongSnowflakePassword: 'sfpw-WRONG-SENTINEL-2a77d1',
  keyPassphrase: 'sfkey-pass-SENTINEL-93ac71e2',
  wrongKeyPassphrase: 'sfkey-pass-WRONG-SENTINEL-5be4',
  slackBotToken: 'xoxb-1111-2222-SENTINELslackbot7f3e',
  slackSigningSecret: 'slack-signing-SENTINEL-4be0f2aa91',
  databasePassword: 'dbpw-SENTINEL-0c5d88f3e1',
  temporalApiKey: 'tmprl-apikey-SENTINEL-5e2b7c61d0',
};
const keys = generateKeyPair(SECRET.keyPassphrase);
/** Lines of the private key, as stored (encrypted PKCS#8) and as it is once decrypted in memory. */
const KEY_LINES = [
  keys.privateKeyPem,
  crypto
    .createPrivateKey({ key: keys.privateKeyPem, passphrase: SECRET.keyPassphrase })
    .export({ type: 'pkcs8', format: 'pem' })
    .toString(),
].flatMap((pem) => pem.split('\n').filter((line) => /^[A-Za-z0-9+/=]{40,}$/.test(line)));
const SENTINELS = [...Object.values(SECRET), ...KEY_LINES];

let env: TestWorkflowEnvironment;
let emulator: SnowflakeEmulator;
let slack: SlackFake;
let testDb: TestDatabase;
let home: string;
let keyPath: string;
let worker: CapturedProcess | undefined;
/** Everything captured for the final search, by where it came from. */
const captured: { source: string; text: string }[] = [];
const capture = (source: string, text: string) => captured.push({ source, text });
const captureCli = (source: string, result: CliResult) => capture(source, `${result.stdout}\n${result.stderr}`);

type Auth = 'password' | 'wrong-password' | 'key-pair' | 'wrong-passphrase';

/** The environment of every snowpatrol process here: each secret a sentinel. */
function secretEnv(auth: Auth, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const snowflakeAuth: Record<Auth, Record<string, string>> = {
    password: { SNOWFLAKE_PASSWORD: SECRET.snowflakePassword },
    'wrong-password': { SNOWFLAKE_PASSWORD: SECRET.wrongSnowflakePassword },
    'key-pair': { SNOWFLAKE_PRIVATE_KEY_PATH: keyPath, SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: SECRET.keyPassphrase },
    'wrong-passphrase': {
      SNOWFLAKE_PRIVATE_KEY_PATH: keyPath,
      SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: SECRET.wrongKeyPassphrase,
    },
  };
  return isolatedEnv({
    SNOWPATROL_HOME: home,
    TEMPORAL_ADDRESS: env.address,
    // The dev server takes no API key, but snowpatrol sends it on every call as it would to Temporal Cloud.
    TEMPORAL_API_KEY: SECRET.temporalApiKey,
    TEMPORAL_TLS: 'false',
    DATABASE_URL: testDb.url.replace('postgres://postgres@', `postgres://postgres:${SECRET.databasePassword}@`),
    SNOWFLAKE_ACCOUNT: emulator.account,
    SNOWFLAKE_USER: SVC_USER,
    SNOWFLAKE_ROLE: 'SNOWPATROL',
    SNOWFLAKE_WAREHOUSE: 'SNOWPATROL_WH',
    SNOWFLAKE_ACCESS_URL: emulator.url,
    ...snowflakeAuth[auth],
    SLACK_BOT_TOKEN: SECRET.slackBotToken,
    SLACK_SIGNING_SECRET: SECRET.slackSigningSecret,
    SLACK_CHANNEL: '#snowpatrol-alerts',
    SLACK_API_URL: slack.apiUrl,
    ...extra,
  });
}

async function eventually(probe: () => boolean, what: string, output: () => string, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Describe `handle` until `done` settles, keeping each answer that shows a pending activity's heartbeat. */
async function watchHeartbeats(handle: WorkflowHandle, done: Promise<unknown>): Promise<unknown[]> {
  const seen: unknown[] = [];
  let finished = false;
  void done.finally(() => (finished = true));
  while (!finished) {
    const raw = await handle
      .describe()
      .then((d) => d.raw)
      .catch(() => undefined); // not started yet
    if (raw?.pendingActivities?.some((a) => (a.heartbeatDetails?.payloads?.length ?? 0) > 0)) seen.push(raw);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return seen;
}

beforeAll(async () => {
  env = await startTemporal();
  home = tempDir();
  keyPath = path.join(home, 'snowpatrol_key.p8');
  fs.writeFileSync(keyPath, keys.privateKeyPem, { mode: 0o600 });
  emulator = await startSnowflakeEmulator();
  emulator.addUser({ name: SVC_USER, password: SECRET.snowflakePassword, publicKeyPem: keys.publicKeyPem });
  await loadOrg(emulator, orgRows(FROM, AS_OF, 42));
  slack = await startSlackFake({ token: SECRET.slackBotToken });
  testDb = await createTestDatabase();
});

afterAll(async () => {
  worker?.kill('SIGKILL');
  await worker?.exited;
  await slack?.stop();
  await emulator?.close();
  await testDb?.drop();
  await env?.teardown();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

test('a JSON-logging worker runs the pipeline through Snowflake faults to Slack alerts, heartbeating', async () => {
  worker = startNodeCli(['worker'], secretEnv('password', { SNOWPATROL_LOG_JSON: 'true' }));
  await eventually(
    () => worker!.output().includes('"message":"snowpatrol worker started'),
    'the worker started',
    () => worker!.output(),
  );
  // Two 503s (retried), then a slow Snowflake, so the extract runs long enough to be seen heartbeating.
  emulator.faults.failNext(2, 503);
  emulator.faults.delayNext(40, 400);
  const loginsBefore = emulator.stats.logins;
  const run = runCli(
    [
      'run',
      '--no-worker',
      '--as-of',
      AS_OF,
      '--source',
      'snowflake',
      '--history-days',
      '60',
      '--score-days',
      '14',
      '--json',
    ],
    secretEnv('password'),
  );
  const heartbeats = await watchHeartbeats(env.client.workflow.getHandle(workflowIdFor('ingest', AS_OF)), run);
  const result = await run;
  captureCli('snowpatrol run', result);
  expect([result.code, result.stderr]).toEqual([0, expect.any(String)]);
  const { result: pipeline } = JSON.parse(result.stdout) as { result: PipelineResult };
  expect(pipeline.ingest).toMatchObject({ source: 'snowflake', days: 60, warehouses: 6 });
  expect(pipeline.notify?.alerted).toBeGreaterThan(0);

  // The secrets were used for real: logins with the password, alerts posted with the token.
  expect(emulator.stats.logins).toBeGreaterThan(loginsBefore);
  expect(emulator.stats.failedByFault).toBeGreaterThanOrEqual(2);
  expect(slack.messages('snowpatrol-alerts').length).toBeGreaterThan(0);
  // The extract's heartbeat details were seen on the server while it ran.
  expect(heartbeats.length).toBeGreaterThan(0);
  expect(searchableText(heartbeats)).toContain('completedThrough');
  heartbeats.forEach((raw, i) => capture(`pending heartbeat ${i}`, searchableText(raw)));
});

test('a load the role may not read fails at once with the GRANT to run, and posts a failure alert', async () => {
  emulator.denyView('ORGANIZATION_USAGE.WAREHOUSE_METERING_HISTORY');
  try {
    const failed = await env.client.workflow
      .execute(WORKFLOW_TYPES.ingest, {
        taskQueue: TASK_QUEUE,
        workflowId: 'secrets-denied-ingest',
        args: [{ asOf: '2026-03-20', source: 'snowflake', from: '2026-03-20', to: '2026-03-20' }],
      })
      .catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(Error);
    expect(String((failed as Error & { cause?: Error }).cause?.cause)).toContain(
      'GRANT DATABASE ROLE SNOWFLAKE.ORGANIZATION_USAGE_VIEWER',
    );
  } finally {
    emulator.denyView('');
  }
  expect(slack.messages('snowpatrol-alerts').some((m) => JSON.stringify(m).includes('secrets-denied-ingest'))).toBe(
    true,
  );
  await eventually(
    () => worker!.output().includes('SnowflakePrivilegeError'),
    'the worker logged the failure',
    () => worker!.output(),
  );
});

test('the Slack app answers signed commands and refuses a forged one', async () => {
  const port = await freePort();
  const app = startNodeCli(['slack'], secretEnv('password', { SLACK_PORT: String(port), SNOWPATROL_LOG_JSON: 'true' }));
  try {
    await eventually(() => app.output().includes('Ctrl-C stops the Slack app'), 'the Slack app started', app.output);
    const command = (text: string, secret = SECRET.slackSigningSecret) => {
      const body = new URLSearchParams({
        team_id: 'T0ACME',
        channel_id: 'C0ALERTS',
        user_id: 'U0ALICE',
        user_name: 'alice',
        command: '/snowpatrol',
        text,
        response_url: `${slack.apiUrl}../response`,
        trigger_id: '1.2.3',
      }).toString();
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = crypto.createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
      return fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': timestamp,
          'x-slack-signature': `v0=${signature}`,
        },
        body,
      });
    };
    const status = await command('status');
    expect(status.status).toBe(200);
    expect(await status.text()).toContain(workflowIdFor('pipeline', AS_OF));
    const snooze = await command('snooze ACME_PROD.ETL_WH 1');
    expect(await snooze.text()).toContain('Snoozed ACME_PROD.ETL_WH until');
    const forged = await command('status', 'not-the-signing-secret');
    expect(forged.status).toBe(401);
  } finally {
    app.kill('SIGTERM');
    await app.exited;
    capture('snowpatrol slack', app.output());
  }
});

test('the worker drains on SIGTERM; its whole log is captured', async () => {
  worker!.kill('SIGTERM');
  expect(await worker!.exited).toBe(0);
  capture('snowpatrol worker (JSON)', worker!.output());
  // Every line is JSON, and the failure was logged with its message.
  const lines = worker!
    .output()
    .split('\n')
    .filter((l) => l.trim() !== '');
  expect(lines.every((l) => l.startsWith('{'))).toBe(true);
  expect(worker!.output()).toContain('"name":"SnowflakePrivilegeError"');
});

test('the key pair loads; a wrong password and a wrong passphrase fail with the setting named', async () => {
  const keyPair = await runCli(
    ['ingest', '--source', 'snowflake', '--from', '2026-03-25', '--to', '2026-03-26'],
    secretEnv('key-pair'),
    90_000,
  );
  captureCli('snowpatrol ingest (key pair)', keyPair);
  expect([keyPair.code, keyPair.stdout]).toEqual([0, expect.stringContaining('Loaded snowflake: 2 day(s)')]);

  const wrongPassword = await runCli(
    ['ingest', '--source', 'snowflake', '--from', '2026-03-27', '--to', '2026-03-27'],
    secretEnv('wrong-password'),
    90_000,
  );
  captureCli('snowpatrol ingest (wrong password)', wrongPassword);
  expect(wrongPassword.code).toBe(1);
  expect(wrongPassword.stderr).toContain('Check SNOWFLAKE_USER and SNOWFLAKE_PASSWORD');

  const wrongPassphrase = await runCli(
    ['ingest', '--source', 'snowflake', '--from', '2026-03-28', '--to', '2026-03-28'],
    secretEnv('wrong-passphrase'),
    90_000,
  );
  captureCli('snowpatrol ingest (wrong passphrase)', wrongPassphrase);
  expect(wrongPassphrase.code).toBe(1);
  expect(wrongPassphrase.stderr).toContain('Check SNOWFLAKE_PRIVATE_KEY_PASSPHRASE');
}, 240_000);

describe('after all of it', () => {
  let runs: ExportedRun[];
  beforeAll(async () => {
    runs = await exportHistories(env.client);
  });

  test('the server holds every run: the pipeline and its stages, failures, the snooze', () => {
    const types = new Set(runs.map((r) => r.type));
    for (const type of Object.values(WORKFLOW_TYPES).filter((t) => t !== WORKFLOW_TYPES.scheduled)) {
      expect([type, types.has(type)]).toEqual([type, true]);
    }
    expect(runs.filter((r) => r.status === 'FAILED').map((r) => r.workflowId)).toEqual(
      expect.arrayContaining(['secrets-denied-ingest', workflowIdFor('ingest', '2026-03-27')]),
    );
  });

  test('no sentinel appears in any history, heartbeat, log line, CLI output or Slack message', () => {
    for (const run of runs) capture(`history ${run.workflowId} (${run.runId})`, runText(run));
    // Calls to Slack carry the token to Slack itself (Bolt's auth.test sends it as a form field): not a leak.
    const calls = slack.calls.map(({ args: { token, ...args }, ...call }) => ({ ...call, args, token: !!token }));
    capture('Slack messages and calls', JSON.stringify({ messages: slack.messages(), calls }));
    const leaks = captured.flatMap(({ source, text }) =>
      findSecrets(text, SENTINELS).map((hit) => `${source}: ${hit}`),
    );
    expect(leaks).toEqual([]);
    // The search finds a secret hidden in base64 at any offset (a payload's bytes in a JSON history).
    for (const prefix of ['', 'x', 'xy']) {
      const planted = Buffer.from(`${prefix}{"password":"${SECRET.snowflakePassword}"}`).toString('base64');
      expect(findSecrets(`{"data":"${planted}"}`, SENTINELS)).toHaveLength(1);
    }
    // The search had something to search: the runs' own words are there.
    const all = captured.map((c) => c.text).join('\n');
    expect(all).toContain('ACME_PROD');
    expect(all).toContain('SnowflakePrivilegeError');
    expect(captured.length).toBeGreaterThan(runs.length + 5);
  });
});
