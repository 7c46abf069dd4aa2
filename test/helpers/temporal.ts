/** A real Temporal dev server per test file (the CLI found by global-setup), with snowpatrol's search attributes. */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES, TASK_QUEUE } from '../../schemas/constants';

export function temporalCliPath(): string {
  const cli = process.env.SNOWPATROL_TEST_TEMPORAL_CLI;
  if (!cli) throw new Error('SNOWPATROL_TEST_TEMPORAL_CLI is unset: run the suite through jest (global-setup)');
  return cli;
}

let runtimeInstalled = false;

/**
 * Dynamic config that lets the dev server's single history shard read its task queues as soon as tasks arrive.
 * By default each queue processor reads at most 20 times a second, so many workflow and activity tasks wait up to
 * 50 ms to be dispatched (a run's first workflow task, and those after a child started or completed, ~45 ms each).
 * A scheduled day of the pipeline took 2.7 s with the default and 0.9 s with this — it matters when runs follow one
 * another, as in a year-long schedule backfill (opt in per test file).
 */
export const PROMPT_QUEUE_PROCESSING: Readonly<Record<string, number>> = {
  'history.transferProcessorMaxPollRPS': 1000,
  'history.timerProcessorMaxPollRPS': 1000,
  'history.visibilityProcessorMaxPollRPS': 1000,
};

export interface StartTemporalOptions {
  /** Extra `--dynamic-config-value key=value` settings for the dev server. */
  dynamicConfig?: Readonly<Record<string, string | number | boolean>>;
}

export function startTemporal(options: StartTemporalOptions = {}): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    // Expected failures (bad input, bad rows) are what these tests provoke; keep the worker's log to errors.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: Object.values(SEARCH_ATTRIBUTES),
      extraArgs: [
        '--log-level',
        'error',
        ...Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => [
          '--dynamic-config-value',
          `${key}=${JSON.stringify(value)}`,
        ]),
      ],
    },
  });
}

/** Whether process `pid` polls the snowpatrol task queue for workflow tasks (a worker's identity is `<pid>@<host>`). */
export async function pollsTaskQueue(client: Client, pid: number, namespace = 'default'): Promise<boolean> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: TASK_QUEUE },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`));
}
