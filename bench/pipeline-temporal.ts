/**
 * One measured pipeline run through Temporal: start `snowpatrolPipeline` for a day as the CLI and schedules do,
 * follow its `progress` query on stderr, then read back every workflow of the run (the pipeline and its stage
 * children) — start and close times, history events, encoded history bytes, activities scheduled.
 */
import { type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES, TASK_QUEUE, WORKFLOW_TYPES, workflowIdFor, type Stage } from '../schemas/constants';
import type { PipelineInput } from '../schemas/inputs';
import type { PipelineProgress, PipelineResult } from '../schemas/results';
import { pipelineStartOptions } from '../schemas/start-policies';
import type { snowpatrolPipeline } from '../workflows';
import { log } from './pipeline-processes';

/** One workflow execution of a run, as the server recorded it. */
export interface WorkflowStats {
  stage: Stage;
  workflowId: string;
  type: string;
  startedAt: number;
  closedAt: number;
  seconds: number;
  historyEvents: number;
  /** `temporal.api.history.v1.History` encoded as protobuf: what the server stores and sends. */
  historyBytes: number;
  /** The server's own count (describe), for comparison. */
  serverHistoryBytes: number | undefined;
  activities: number;
  /** Activity attempts after the first (retries). */
  activityRetries: number;
  /** Activity attempts started, by the identity (`<pid>@<host>`) of the worker that ran them. */
  activitiesByWorker: Record<string, number>;
  childWorkflows: number;
}

export interface PipelineRunStats {
  asOf: string;
  input: PipelineInput;
  result: PipelineResult;
  /** The pipeline workflow's own wall time (start → close on the server). */
  seconds: number;
  workflows: WorkflowStats[];
}

const STAGES: Stage[] = ['ingest', 'features', 'train', 'score', 'notify'];

/**
 * The pids of the processes polling the task queue for both workflow and activity tasks, from the pollers the
 * server lists (a worker's default identity is `<pid>@<host>`).
 */
export async function taskQueuePollers(client: Client, namespace: string): Promise<number[]> {
  const types = [
    temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  ];
  const sets = await Promise.all(
    types.map(async (taskQueueType) => {
      const answer = await client.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: TASK_QUEUE },
        taskQueueType,
      });
      return new Set((answer.pollers ?? []).map((p) => Number(/^(\d+)@/.exec(p.identity ?? '')?.[1])));
    }),
  );
  return [...sets[0]].filter((pid) => sets[1].has(pid));
}

async function workflowStats(client: Client, stage: Stage, workflowId: string): Promise<WorkflowStats> {
  const handle = client.workflow.getHandle(workflowId);
  const [description, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
  const events = history.events ?? [];
  let activities = 0;
  let activityRetries = 0;
  let childWorkflows = 0;
  const activitiesByWorker: Record<string, number> = {};
  for (const event of events) {
    if (event.activityTaskScheduledEventAttributes) activities++;
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const identity = started.identity || 'unknown';
      activitiesByWorker[identity] = (activitiesByWorker[identity] ?? 0) + 1;
    }
    const attempt = started?.attempt ?? 1;
    if (attempt > 1) activityRetries++;
    if (event.startChildWorkflowExecutionInitiatedEventAttributes) childWorkflows++;
  }
  const startedAt = description.startTime.getTime();
  const closedAt = description.closeTime?.getTime() ?? Date.now();
  return {
    stage,
    workflowId,
    type: description.type,
    startedAt,
    closedAt,
    seconds: (closedAt - startedAt) / 1000,
    historyEvents: events.length,
    historyBytes: temporal.api.history.v1.History.encode(history).finish().length,
    serverHistoryBytes: description.historySize,
    activities,
    activityRetries,
    activitiesByWorker,
    childWorkflows,
  };
}

/** Start the pipeline for `input.asOf`, wait for it, and collect the statistics of it and its children. */
export async function runMeasuredPipeline(
  client: Client,
  input: PipelineInput & { asOf: string },
  label: string,
): Promise<PipelineRunStats> {
  const handle = await client.workflow.start<typeof snowpatrolPipeline>(WORKFLOW_TYPES.pipeline, {
    ...pipelineStartOptions(input.asOf),
    args: [input],
    typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.asOf, value: input.asOf }],
    staticSummary: `benchmark: ${label}`,
  });
  let done = false;
  const result = handle.result().finally(() => (done = true));
  let shown = 0;
  let current = '';
  while (!done) {
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    const progress = await handle.query<PipelineProgress>('progress').catch(() => undefined);
    if (!progress) continue;
    for (const stage of progress.completed.slice(shown)) log(`    ✓ ${stage.stage} ${stage.seconds.toFixed(1)} s`);
    shown = Math.max(shown, progress.completed.length);
    const finished = progress.completed.some((c) => c.stage === progress.stage);
    if (progress.stage !== current && !finished && !['starting', 'done'].includes(progress.stage)) {
      log(`    ▸ ${progress.stage}…`);
    }
    current = progress.stage;
  }
  const value = await result;
  const stages = STAGES.filter((s) => s !== 'notify' || input.notify !== false);
  const workflows = [await workflowStats(client, 'pipeline' as Stage, handle.workflowId)];
  for (const stage of stages) workflows.push(await workflowStats(client, stage, workflowIdFor(stage, input.asOf)));
  return { asOf: input.asOf, input, result: value, seconds: workflows[0].seconds, workflows };
}

/** A stage's workflow in a run's statistics. */
export function stageOf(run: PipelineRunStats, stage: Stage): WorkflowStats | undefined {
  return run.workflows.find((w) => w.stage === stage);
}

/** Features + train + score as one span: from the features child's start to the score child's close. */
export function computeSpan(run: PipelineRunStats): { from: number; to: number; seconds: number } | undefined {
  const features = stageOf(run, 'features');
  const score = stageOf(run, 'score');
  if (!features || !score) return undefined;
  return { from: features.startedAt, to: score.closedAt, seconds: (score.closedAt - features.startedAt) / 1000 };
}
