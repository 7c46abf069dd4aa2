/**
 * The demo with a Slack token: the same command a new user runs, but `SLACK_BOT_TOKEN` and `SLACK_CHANNEL` set
 * (and `SLACK_API_URL` pointing at the loopback Slack fake) — the alerts go to Slack instead of the outbox, with
 * a chart per anomaly in the message's thread. A verdict given with the CLI edits the Slack message too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, isolatedEnv, runCli } from '../helpers/cli';
import { temporalCliPath } from '../helpers/temporal';
import { startSlackFake, type SlackFake } from '../slack-fake';

const AS_OF = '2026-03-21';
let home: string;
let env: NodeJS.ProcessEnv;
let fake: SlackFake;

beforeAll(async () => {
  fake = await startSlackFake();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-home-'));
  env = isolatedEnv({
    SNOWPATROL_HOME: home,
    TEMPORAL_CLI_PATH: temporalCliPath(),
    SNOWPATROL_DEV_SERVER_PORT: String(await freePort()),
    SNOWPATROL_DEV_SERVER_UI_PORT: String(await freePort()),
    SLACK_BOT_TOKEN: fake.token,
    SLACK_CHANNEL: '#snowpatrol-alerts',
    SLACK_API_URL: fake.apiUrl,
  });
});

afterAll(async () => {
  await fake?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

test('with a token, the demo alerts through Slack, charts in the thread, and writes no outbox', async () => {
  const run = await runCli(['demo', '--as-of', AS_OF, '--score-days', '7'], env);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/notify\s+\d+ new alert\(s\) in 1 message\(s\), first: slack:C0ALERTS:\d+\.\d+/);
  expect(run.stdout).toContain('Alerts: Slack (default channel snowpatrol-alerts');

  const [alert, ...others] = fake.messages('C0ALERTS').filter((m) => !m.threadTs);
  expect(others).toEqual([]);
  const keys = alert.metadata?.event_payload.keys as string[];
  expect(keys.length).toBeGreaterThan(0);
  const charts = fake.files.filter((f) => f.threadTs === alert.ts && f.completed);
  expect(charts).toHaveLength(keys.length);
  for (const chart of charts) expect(chart.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect(fs.existsSync(path.join(home, 'outbox'))).toBe(false);
}, 240_000);

test('a verdict given with the CLI edits the Slack alert in place', async () => {
  const listed = await runCli(['anomalies', '--from', '2026-03-15', '--to', AS_OF, '--json'], env);
  expect(listed.code).toBe(0);
  const [first] = JSON.parse(listed.stdout) as { id: number; warehouse: string }[];

  const verdict = await runCli(['anomalies', 'feedback', String(first.id), 'false_positive', '--author', 'dana'], env);
  expect(verdict.code).toBe(0);
  expect(verdict.stdout).toContain('Its alert now says so.');
  const [alert] = fake.messages('C0ALERTS').filter((m) => !m.threadTs);
  expect(alert.updates).toBe(1);
  expect(JSON.stringify(alert.blocks)).toContain('Marked not an anomaly by dana');
  expect(fake.calls.filter((c) => c.method === 'chat.postMessage' && c.ok)).toHaveLength(1);
}, 120_000);

test('snowpatrol slack without a signing secret or app token says what to set and starts nothing', async () => {
  const run = await runCli(['slack'], { ...env, DATABASE_URL: 'postgres://127.0.0.1:5432/none' });
  expect(run.code).toBe(1);
  expect(run.stderr).toContain('SLACK_SIGNING_SECRET: required for the HTTP receiver');
});
