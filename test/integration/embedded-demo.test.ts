/**
 * The embedded defaults end to end, exactly as a new user runs them: `snowpatrol demo` with no DATABASE_URL
 * (PGlite), no TEMPORAL_ADDRESS (the project starts its own dev server) and no Slack token (the outbox).
 * Run twice, it reuses what is there and alerts nothing new.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isolatedEnv, freePort, runCli } from '../helpers/cli';
import { isListening } from '../../client/dev-server';
import { temporalCliPath } from '../helpers/temporal';

const AS_OF = '2026-03-31';
let home: string;
let env: NodeJS.ProcessEnv;
let devPort: number;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-home-'));
  devPort = await freePort();
  env = isolatedEnv({
    SNOWPATROL_HOME: home,
    TEMPORAL_CLI_PATH: temporalCliPath(),
    SNOWPATROL_DEV_SERVER_PORT: String(devPort),
    SNOWPATROL_DEV_SERVER_UI_PORT: String(await freePort()),
  });
});

afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

test('demo runs the whole pipeline on embedded defaults and reports what it found', async () => {
  const run = await runCli(['demo', '--as-of', AS_OF], env);

  expect(run.stderr).toContain('Database: PGlite');
  expect(run.stderr).toContain('dev server started here');
  expect(run.stderr).toMatch(/✓ ingest[\s\S]*✓ features[\s\S]*✓ train[\s\S]*✓ score[\s\S]*✓ notify/);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('Anomalies 2026-03-04 → 2026-03-31:');
  expect(run.stdout).toMatch(/ACME_PROD\.\w+\s+2026-03-\d\d\s+[\d.]+\s+[\d.]+/);
  expect(run.stdout).toContain(`/namespaces/default/workflows/snowpatrol-pipeline-${AS_OF}/`);

  // One Block Kit message and, beside it, one chart per alerted anomaly.
  const outbox = fs.readdirSync(path.join(home, 'outbox'));
  const messages = outbox.filter((f) => f.endsWith('.json'));
  expect(messages).toHaveLength(1);
  expect(run.stdout).toContain(`first: ${path.join(home, 'outbox', messages[0])}`);
  const message = JSON.parse(fs.readFileSync(path.join(home, 'outbox', messages[0]), 'utf8'));
  expect(message.blocks.length).toBeGreaterThan(2);
  const keys: string[] = message.metadata.event_payload.keys;
  const charts = outbox.filter((f) => f.endsWith('.png'));
  expect(charts).toHaveLength(keys.length);
  for (const key of keys) {
    const [, warehouse, day] = key.split(':');
    expect(charts).toContainEqual(expect.stringContaining(`-${warehouse}-${day}.png`));
  }
  // The dev server it started is gone, and its history is kept for the Web UI.
  expect(await isListening('127.0.0.1', devPort)).toBe(false);
  expect(fs.existsSync(path.join(home, 'temporal.db'))).toBe(true);
}, 240_000);

test('a second demo run loads nothing new and sends no alert twice', async () => {
  const run = await runCli(['demo', '--as-of', AS_OF], env);

  expect(run.code).toBe(0);
  expect(run.stdout).toContain('0 new or changed');
  expect(run.stdout).toMatch(/train\s+6 models .* \(0 new, 6 reused; 6 champion\)/);
  expect(run.stdout).toMatch(/notify\s+no new alerts \(\d+ anomalies already alerted earlier\)/);
  expect(fs.readdirSync(path.join(home, 'outbox')).filter((f) => f.endsWith('.json'))).toHaveLength(1);

  const listed = await runCli(['anomalies', '--from', '2026-03-04', '--to', AS_OF, '--json'], env);
  expect(listed.code).toBe(0);
  const anomalies = JSON.parse(listed.stdout) as { warehouse: string; usageDate: string }[];
  expect(anomalies.length).toBeGreaterThan(0);
  for (const a of anomalies) expect(run.stdout).toContain(a.warehouse);
}, 240_000);

test.each([
  [['run', '--as-of', '2026-13-01'], /--as-of.*expected a date like 2026-11-20, got "2026-13-01"/],
  [['run', '--score-days', 'ten'], /--score-days.*expected a whole number from 1 to 366, got "ten"/],
  [['ingest', '--source', 'oracle'], /--source.*expected "snowflake", "demo" or "csv:<path>"/],
])('bad flags %j exit non-zero with a message naming the flag', async (args, message) => {
  const run = await runCli(args, env);
  expect(run.code).not.toBe(0);
  expect(run.stderr).toMatch(message);
});

test('bad configuration names every bad variable and starts nothing', async () => {
  const run = await runCli(['models'], { ...env, SNOWPATROL_SOURCE: 'bogus', DATABASE_URL: 'mysql://x' });
  expect(run.code).toBe(1);
  expect(run.stderr).toContain('invalid configuration');
  expect(run.stderr).toContain('SNOWPATROL_SOURCE');
  expect(run.stderr).toContain('DATABASE_URL');
});

test('check-data names the days not loaded and the command that back-fills them (exit 3)', async () => {
  // The demo loaded the 180 days up to 2026-03-31, i.e. from 2025-10-03.
  const gap = await runCli(['check-data', '--source', 'demo', '--from', '2025-09-30', '--to', AS_OF, '--json'], env);
  expect(gap.code).toBe(3);
  const report = JSON.parse(gap.stdout);
  expect(report.missing).toEqual([{ from: '2025-09-30', to: '2025-10-02', days: 3 }]);
  expect(report.empty).toEqual([]);
  expect(report.backfill).toEqual(['snowpatrol ingest --source demo --from 2025-09-30 --to 2025-10-02']);

  const complete = await runCli(['check-data', '--source', 'demo', '--from', '2025-10-03', '--to', AS_OF], env);
  expect(complete.code).toBe(0);
  expect(complete.stdout).toContain('All 180 days from 2025-10-03 to 2026-03-31 are loaded from demo.');
});
