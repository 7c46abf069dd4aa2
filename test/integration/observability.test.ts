/**
 * What an operator scrapes and ships from a production worker: `snowpatrol worker` with SNOWPATROL_METRICS_PORT
 * serves the Temporal SDK's metrics for Prometheus, and with SNOWPATROL_LOG_JSON every line it writes is a JSON
 * object (time, level, message, metadata) without a secret in it; SIGTERM drains it and it exits 0.
 * (The runtime is installed once per process and jest's has its own, so the worker runs as a child process.)
 */
import fs from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { TASK_QUEUE, WORKFLOW_TYPES } from '../../schemas/constants';
import { tempDir } from '../fixtures/temp-dir';
import { freePort, isolatedEnv, startNodeCli, type CapturedProcess } from '../helpers/cli';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres';
import { startTemporal } from '../helpers/temporal';

/** Postgres here trusts local connections, so this password is never checked: it is only there not to be logged. */
const DB_PASSWORD = 'never-log-this-pw';

let env: TestWorkflowEnvironment;
let testDb: TestDatabase;
let home: string;
let worker: CapturedProcess | undefined;

beforeAll(async () => {
  env = await startTemporal();
  testDb = await createTestDatabase();
  home = tempDir();
});

afterAll(async () => {
  worker?.kill('SIGKILL');
  await worker?.exited;
  await testDb?.drop();
  await env?.teardown();
  fs.rmSync(home, { recursive: true, force: true });
});

async function eventually(probe: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}:\n${worker?.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `name{labels} value` samples of one metric in a Prometheus text exposition. */
function samples(exposition: string, name: string): string[] {
  return exposition.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

test('a JSON-logging worker serves SDK metrics, logs only JSON lines without secrets, and drains on SIGTERM', async () => {
  const metricsPort = await freePort();
  worker = startNodeCli(
    ['worker'],
    isolatedEnv({
      SNOWPATROL_HOME: home,
      TEMPORAL_ADDRESS: env.address,
      DATABASE_URL: testDb.url.replace('postgres://postgres@', `postgres://postgres:${DB_PASSWORD}@`),
      SNOWPATROL_METRICS_PORT: String(metricsPort),
      SNOWPATROL_LOG_JSON: 'true',
    }),
  );
  await eventually(() => worker!.output().includes('"message":"snowpatrol worker started'), 'the worker has started');

  // A small workflow through it: notify on an empty database runs its activities and alerts nothing.
  const result = await env.client.workflow.execute(WORKFLOW_TYPES.notify, {
    taskQueue: TASK_QUEUE,
    workflowId: 'observability-notify-2026-03-01',
    args: [{ asOf: '2026-03-01' }],
  });
  expect(result).toBeDefined();
  // And one whose activity fails for good (a CSV export that is not there), to see what an operator is told.
  await expect(
    env.client.workflow.execute(WORKFLOW_TYPES.ingest, {
      taskQueue: TASK_QUEUE,
      workflowId: 'observability-ingest-missing-csv',
      args: [{ asOf: '2026-03-01', source: `csv:${home}/missing.csv`, from: '2026-03-01', to: '2026-03-01' }],
    }),
  ).rejects.toThrow();

  const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  expect(response.status).toBe(200);
  const exposition = await response.text();
  const completed = samples(exposition, 'temporal_workflow_completed');
  expect(
    completed.some((s) => s.includes('workflow_type="notifyAnomalies"') && s.includes(`task_queue="${TASK_QUEUE}"`)),
  ).toBe(true);
  expect(samples(exposition, 'temporal_activity_execution_latency_count').length).toBeGreaterThan(0);
  expect(samples(exposition, 'temporal_worker_task_slots_available').length).toBeGreaterThan(0);
  expect(samples(exposition, 'temporal_request').length).toBeGreaterThan(0);

  worker.kill('SIGTERM');
  expect(await worker.exited).toBe(0);

  const lines = worker
    .output()
    .split('\n')
    .filter((line) => line.trim() !== '');
  const entries = lines.map((line) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`a line the worker wrote is not JSON: ${line}`);
    }
  });
  for (const entry of entries) {
    expect(entry).toEqual(
      expect.objectContaining({ time: expect.any(String), level: expect.any(String), message: expect.any(String) }),
    );
  }
  expect(entries[0]).toMatchObject({
    level: 'INFO',
    message: 'snowpatrol worker started; SIGINT/SIGTERM drains and stops',
    temporal: env.address,
    temporalSecurity: 'plaintext',
    taskQueue: TASK_QUEUE,
    metrics: `http://0.0.0.0:${metricsPort}/metrics`,
    database: expect.stringContaining('postgres:***@'),
  });
  // The SDK's own entries carry its metadata as fields: the worker's, and an activity's with its workflow and error.
  expect(entries).toContainEqual(
    expect.objectContaining({ sdkComponent: 'worker', taskQueue: TASK_QUEUE, message: expect.any(String) }),
  );
  expect(entries).toContainEqual(
    expect.objectContaining({
      level: 'WARN',
      message: 'Activity failed',
      workflowId: 'observability-ingest-missing-csv',
      workflowType: WORKFLOW_TYPES.ingest,
      activityType: 'extractWarehouseMetering',
      error: expect.objectContaining({ name: 'SourceError', message: expect.stringContaining('missing.csv') }),
    }),
  );
  expect(entries).toContainEqual(
    expect.objectContaining({
      level: 'INFO',
      message: 'SIGTERM: draining — no new tasks; running activities may finish first',
    }),
  );
  expect(entries.at(-1)).toMatchObject({ level: 'INFO', message: 'snowpatrol worker stopped' });
  expect(worker.output()).not.toContain(DB_PASSWORD);
});
