/** Build a snowpatrol worker for the `snowpatrol` task queue from injected activities. */
import { type NativeConnection, Worker } from '@temporalio/worker';
import type { Activities } from '../activities';
import { TASK_QUEUE } from '../schemas/constants';
import { workflowBundle } from './bundle';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  activities: Activities;
  maxConcurrentActivities: number;
  /** Extra task queue suffix, for tests that share a server. */
  taskQueue?: string;
}

export async function createSnowpatrolWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    workflowBundle: await workflowBundle(),
    activities: options.activities,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities,
    shutdownGraceTime: '30 seconds',
    // Send heartbeat details at least every 5 s, so a retry after a crash resumes close to where work stopped.
    maxHeartbeatThrottleInterval: '5 seconds',
  });
}
