/**
 * Starting the day's pipeline from a schedule. Temporal suffixes a scheduled workflow's id with its time, so a
 * scheduled run cannot carry the business id itself; this activity starts (or joins) `snowpatrol-pipeline-<asOf>`
 * with the same policies as every other start, and waits for it — so a scheduled, a backfilled and an ad-hoc run
 * of one day are one run.
 */
import { Context } from '@temporalio/activity';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WORKFLOW_TYPES } from '../schemas/constants';
import type { PipelineInput } from '../schemas/inputs';
import type { PipelineResult } from '../schemas/results';
import { pipelineStartOptions } from '../schemas/start-policies';
import { SourceError } from './errors';
import { withHeartbeat } from './heartbeat';

export interface LaunchDeps {
  /** The Temporal client of the worker; absent where no client was configured. */
  temporalClient?: Client;
}

export interface RunPipelineForDayInput {
  asOf: string;
  input: Omit<PipelineInput, 'asOf'>;
}

export interface RunPipelineForDayResult {
  workflowId: string;
  runId: string;
  /** False when the day had already completed and its result was reused. */
  started: boolean;
  anomalies: number;
}

export function createLaunchActivities(deps: LaunchDeps) {
  return {
    async runPipelineForDay({ asOf, input }: RunPipelineForDayInput): Promise<RunPipelineForDayResult> {
      const client = deps.temporalClient;
      if (!client) throw new SourceError('this worker has no Temporal client to start pipelines with', 'temporal');
      const options = pipelineStartOptions(asOf);
      let started = true;
      let handle;
      try {
        handle = await client.workflow.start(WORKFLOW_TYPES.pipeline, {
          ...options,
          args: [{ ...input, asOf }],
          staticSummary: `snowpatrol pipeline for ${asOf} (scheduled)`,
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        started = false;
        handle = client.workflow.getHandle(options.workflowId);
      }
      const ctx = Context.current();
      const result = (await withHeartbeat(
        ctx,
        () => ({ waitingFor: options.workflowId }),
        () => handle.result(),
      )) as PipelineResult;
      const { runId } = await handle.describe();
      return { workflowId: options.workflowId, runId, started, anomalies: result.score.anomalies };
    },
  };
}
