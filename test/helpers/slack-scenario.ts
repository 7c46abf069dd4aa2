/**
 * Slack delivery scenarios: a fresh Slack Web API fake and a worker that alerts into it, on a private copy of a
 * database where the demo organisation's days were already scored but nothing was alerted yet. Copying the
 * scored database (Postgres `create database … template …`) takes a fraction of a second, so every scenario
 * starts from the same state without re-running the pipeline.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import postgres from 'postgres';
import { TASK_QUEUE, WORKFLOW_TYPES } from '../../schemas/constants';
import type { PipelineInput } from '../../schemas/inputs';
import type { PipelineResult } from '../../schemas/results';
import type { AlertRoute, AlertSettings } from '../../schemas/slack-config';
import { startSlackFake, type SlackFake } from '../slack-fake';
import { createTestDatabase, type TestDatabase } from './postgres';
import { startTestWorker, type TestWorker } from './worker';

const ADMIN_URL = process.env.SNOWPATROL_TEST_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Alert settings that send to the fake: default channel #snowpatrol-alerts, plus `routes`. */
export function slackAlerts(fake: SlackFake, routes: AlertRoute[] = []): AlertSettings {
  return {
    channel: 'snowpatrol-alerts',
    routes,
    slack: { botToken: fake.token, apiUrl: fake.apiUrl, signingSecret: undefined, appToken: undefined, port: 3000 },
  };
}

/**
 * A database in which the pipeline ran for `input` with `notify: false`: metering, features, models and open
 * anomalies, no alerts. Nothing stays connected to it, so it can serve as a template.
 */
export async function scoredDatabase(
  env: TestWorkflowEnvironment,
  demoSeed: number,
  input: PipelineInput,
): Promise<{ template: TestDatabase; result: PipelineResult }> {
  const template = await createTestDatabase();
  const taskQueue = `${TASK_QUEUE}-scored-template`;
  const worker = await startTestWorker(env, demoSeed, { databaseUrl: template.url, taskQueue });
  try {
    const result: PipelineResult = await env.client.workflow.execute(WORKFLOW_TYPES.pipeline, {
      taskQueue,
      workflowId: `scored-template-${input.asOf}`,
      args: [{ ...input, notify: false }],
    });
    return { template, result };
  } finally {
    await worker.stop();
  }
}

let copies = 0;

/** A new database with the contents of `template`; `drop` removes it. */
export async function copyDatabase(template: TestDatabase): Promise<TestDatabase> {
  const source = databaseName(template.url);
  copies += 1;
  const name = `${source}_copy${copies}`;
  await admin((sql) => sql.unsafe(`create database ${name} template ${source}`));
  return {
    url: template.url.replace(/\/[^/]*$/, `/${name}`),
    drop: () => admin((sql) => sql.unsafe(`drop database if exists ${name} with (force)`)),
  };
}

function databaseName(url: string): string {
  const name = /\/([a-z0-9_]+)$/.exec(url)?.[1];
  if (!name) throw new Error(`not a test database URL: ${url}`);
  return name;
}

async function admin(work: (sql: postgres.Sql) => Promise<unknown>): Promise<void> {
  const sql = postgres(ADMIN_URL, { max: 1, onnotice: () => undefined });
  try {
    await work(sql);
  } finally {
    await sql.end();
  }
}

/** One scenario: its own Slack fake, database copy and worker (on its own task queue). */
export interface SlackScenario {
  fake: SlackFake;
  worker: TestWorker;
  taskQueue: string;
  stop(): Promise<void>;
}

let scenarios = 0;

export async function startSlackScenario(
  env: TestWorkflowEnvironment,
  demoSeed: number,
  template: TestDatabase,
  routes: AlertRoute[] = [],
): Promise<SlackScenario> {
  scenarios += 1;
  const taskQueue = `${TASK_QUEUE}-slack-${scenarios}`;
  const fake = await startSlackFake();
  const copy = await copyDatabase(template);
  const worker = await startTestWorker(env, demoSeed, {
    databaseUrl: copy.url,
    taskQueue,
    alerts: slackAlerts(fake, routes),
  });
  return {
    fake,
    worker,
    taskQueue,
    async stop() {
      await worker.stop();
      await fake.stop();
      await copy.drop();
    },
  };
}
