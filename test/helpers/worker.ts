/** A snowpatrol worker on a test Temporal server, with its own database and outbox; `stop` undoes it all. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { openSource } from '../../activities/sources';
import { openDatabase, type Database } from '../../activities/store/database';
import { createSnowpatrolWorker } from '../../worker/create-worker';
import { createTestDatabase } from './postgres';

export interface TestWorker {
  database: Database;
  /** Where alerts are written; relative CSV sources resolve here too. */
  dir: string;
  outboxDir: string;
  stop(): Promise<void>;
}

export async function startTestWorker(env: TestWorkflowEnvironment, demoSeed: number): Promise<TestWorker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-test-'));
  const outboxDir = path.join(dir, 'outbox');
  const testDb = await createTestDatabase();
  const database = await openDatabase({ databaseUrl: testDb.url });
  const namespace = env.namespace ?? 'default';
  const worker = await createSnowpatrolWorker({
    connection: env.nativeConnection,
    namespace,
    activities: createActivities({
      db: database.db,
      openSource: (spec) => openSource(spec, { demoSeed, cwd: dir }),
      defaultSource: 'demo',
      outboxDir,
      webUiUrl: 'http://localhost:8233',
      namespace,
    }),
    maxConcurrentActivities: 4,
  });
  const running = worker.run();
  return {
    database,
    dir,
    outboxDir,
    async stop() {
      worker.shutdown();
      await running;
      await database.close();
      await testDb.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
