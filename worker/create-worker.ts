/** Build a snowpatrol worker for the `snowpatrol` task queue from injected activities. */
import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker } from '@temporalio/worker';
import type { Activities } from '../activities';
import { TASK_QUEUE } from '../schemas/constants';
import { prebuiltBundle, workflowBundle } from './bundle';

/**
 * How long a stopping worker (SIGTERM) lets running activities finish before it cancels them; a container's stop
 * timeout must be longer.
 */
export const SHUTDOWN_GRACE_TIME = '30 seconds';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  activities: Activities;
  maxConcurrentActivities: number;
  /** Extra task queue suffix, for tests that share a server. */
  taskQueue?: string;
  /** Run this prebuilt bundle file (`npm run bundle:workflows`) instead of the default (see `workflowBundle`). */
  workflowBundlePath?: string;
  /** Payload codecs (encryption), as every client of the project uses them (`temporalDataConverter`). */
  dataConverter?: DataConverter;
}

export async function createSnowpatrolWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    workflowBundle: options.workflowBundlePath ? prebuiltBundle(options.workflowBundlePath) : await workflowBundle(),
    activities: options.activities,
    dataConverter: options.dataConverter,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities,
    shutdownGraceTime: SHUTDOWN_GRACE_TIME,
    // Send heartbeat details at least every 5 s, so a retry after a crash resumes close to where work stopped.
    maxHeartbeatThrottleInterval: '5 seconds',
  });
}
