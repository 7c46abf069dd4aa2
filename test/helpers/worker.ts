/** A snowpatrol worker on a test Temporal server, with its own database and outbox; `stop` undoes it all. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { openSource } from '../../activities/sources';
import { openDatabase, type Database } from '../../activities/store/database';
import { createSnowpatrolWorker } from '../../worker/create-worker';
import type { PriceSettings, SnowflakeSettings } from '../../schemas/snowflake-config';
import type { AlertSettings } from '../../schemas/slack-config';
import { createTestDatabase } from './postgres';

export interface TestWorker {
  database: Database;
  databaseUrl: string;
  /** Where alerts are written; relative CSV sources resolve here too. */
  dir: string;
  outboxDir: string;
  stop(): Promise<void>;
}

export interface TestWorkerOptions {
  snowflake?: SnowflakeSettings;
  prices?: PriceSettings;
  /** Another task queue, to run a second, differently configured worker on the same server. */
  taskQueue?: string;
  /** Share an existing database instead of creating one. */
  databaseUrl?: string;
  /** Where alerts go (default: the outbox, channel `snowpatrol-alerts`); with `slack` set, the Slack fake. */
  alerts?: AlertSettings;
  /** Attach charts to alerts (default true). */
  charts?: boolean;
  /** Run this prebuilt workflow bundle file (`npm run bundle:workflows`) instead of bundling the checkout. */
  workflowBundlePath?: string;
}

export async function startTestWorker(
  env: TestWorkflowEnvironment,
  demoSeed: number,
  options: TestWorkerOptions = {},
): Promise<TestWorker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-test-'));
  const outboxDir = path.join(dir, 'outbox');
  const testDb = options.databaseUrl ? undefined : await createTestDatabase();
  const databaseUrl = options.databaseUrl ?? (testDb as { url: string }).url;
  const database = await openDatabase({ databaseUrl });
  const namespace = env.namespace ?? 'default';
  const worker = await createSnowpatrolWorker({
    connection: env.nativeConnection,
    namespace,
    activities: createActivities({
      db: database.db,
      openSource: (spec, context) => openSource(spec, { demoSeed, cwd: dir, snowflake: options.snowflake, ...context }),
      defaultSource: 'demo',
      outboxDir,
      webUiUrl: 'http://localhost:8233',
      namespace,
      prices: options.prices,
      temporalClient: env.client,
      alerts: options.alerts,
      charts: options.charts,
    }),
    maxConcurrentActivities: 4,
    taskQueue: options.taskQueue,
    workflowBundlePath: options.workflowBundlePath,
  });
  const running = worker.run();
  return {
    database,
    databaseUrl,
    dir,
    outboxDir,
    async stop() {
      worker.shutdown();
      await running;
      await database.close();
      await testDb?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
