/**
 * The nightly business process: load the day's metering, build features, train per-warehouse models on the
 * days before, score the day(s), and tell the owners. Each stage is a child workflow with a business id, so
 * it can also be started on its own.
 */
import {
  executeChild,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ROOT_CAUSE_REFERENCE_WEEKS } from '../schemas/attribution';
import {
  lateAttributionWorkflowId,
  SEARCH_ATTRIBUTES,
  WORKFLOW_TYPES,
  workflowIdFor,
  type Stage,
} from '../schemas/constants';
import { addDays, daysBetween, minDay } from '../schemas/dates';
import { pipelineInput, type PipelineInput, type PipelineSettings } from '../schemas/inputs';
import type { AttributeResult, PipelineProgress, PipelineResult } from '../schemas/results';
import { delivery, quick } from './activity-profiles';
import { resolveAsOf, tagRun } from './as-of';
import { attributeCosts } from './attribute-costs';
import { progressQuery } from './definitions';
import { ingestMetering } from './ingest-metering';
import { notifyAnomalies } from './notify-anomalies';
import { prepareFeatures } from './prepare-features';
import { scoreAnomalies } from './score-anomalies';
import { trainModels } from './train-models';
import { parseInput } from './validate';
import { waitUntilPublished } from './wait-for-data';
import { alertOnFailure } from './failure-alert';

export async function snowpatrolPipeline(raw?: PipelineInput): Promise<PipelineResult> {
  const input = parseInput(pipelineInput, raw, WORKFLOW_TYPES.pipeline);
  const asOf = resolveAsOf(input.asOf);
  const progress: PipelineProgress = {
    asOf,
    stage: 'starting',
    completed: [],
    startedAt: workflowInfo().startTime.toISOString(),
  };
  setHandler(progressQuery, () => progress);
  // A stage that fails after its retries is alerted (naming the stage it was in), then the run fails.
  return alertOnFailure(
    () => progress.stage,
    asOf,
    () => runStages(input, asOf, progress),
    input.notify,
  );
}

async function runStages(input: PipelineSettings, asOf: string, progress: PipelineProgress): Promise<PipelineResult> {
  const { workflowId, runId } = workflowInfo();

  async function stage<A, R>(name: Stage, workflow: (args: A) => Promise<R>, args: A, summary: string): Promise<R> {
    progress.stage = name;
    tagRun(asOf, name);
    const started = Date.now();
    const result = await executeChild(workflow, {
      args: [args],
      workflowId: workflowIdFor(name, asOf),
      staticSummary: summary,
      // Shown under the child in the Web UI: what it was asked to do.
      staticDetails: `**${name}** for ${asOf}\n\n\`\`\`json\n${JSON.stringify(args, null, 2)}\n\`\`\``,
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.asOf, value: asOf },
        { key: SEARCH_ATTRIBUTES.stage, value: name },
      ],
    });
    progress.completed.push({ stage: name, seconds: (Date.now() - started) / 1000 });
    return result;
  }

  // Runs recorded before the readiness wait and the catch-up existed replay without them.
  const gated = patched('wait-for-data');
  const data = gated && input.waitForData ? await waitUntilPublished(asOf, input, progress) : undefined;
  if (data?.status === 'partial' && input.notify) {
    await delivery.sendLateDataNotice.executeWithOptions({ summary: `Late data notice for ${asOf}` }, [
      { asOf, missing: data.missing, workflowId, runId },
    ]);
  }
  const catchUp = gated
    ? await quick.beginPipelineDay.executeWithOptions({ summary: `Record ${asOf}; plan the catch-up` }, [
        { asOf, workflowId, catchUpDays: input.catchUpDays },
      ])
    : undefined;

  // Days scored: the last `scoreDays`, and further back to any day a run missed or ran without all data.
  const scoreFrom = minDay(addDays(asOf, 1 - input.scoreDays), catchUp?.from ?? asOf);
  const trainedTo = addDays(scoreFrom, -1);
  const trainedFrom = addDays(trainedTo, 1 - input.trainingDays);
  // Re-load the caught-up days too: late rows of a partial day arrive after it ran.
  const reloadDays = catchUp?.from
    ? Math.min(30, Math.max(input.reloadDays, daysBetween(catchUp.from, asOf) + 1))
    : input.reloadDays;

  const ingest = await stage(
    'ingest',
    ingestMetering,
    { asOf, source: input.source, historyDays: input.historyDays, reloadDays },
    `Load metering up to ${asOf}`,
  );
  const featuresFrom = ingest.days > 0 ? minDay(ingest.from, trainedFrom) : trainedFrom;
  const features = await stage(
    'features',
    prepareFeatures,
    { asOf, from: featuresFrom, to: asOf },
    `Features ${featuresFrom} → ${asOf}`,
  );
  const train = await stage(
    'train',
    trainModels,
    { asOf, trainedTo, trainingDays: input.trainingDays },
    `Train on ${trainedFrom} → ${trainedTo}`,
  );
  const score = await stage(
    'score',
    scoreAnomalies,
    { asOf, from: scoreFrom, to: asOf },
    `Score ${scoreFrom} → ${asOf}`,
  );
  // Runs recorded before cost attribution existed replay without it.
  const attribute =
    input.attribution && patched('cost-attribution')
      ? await stage(
          'attribute',
          attributeCosts,
          {
            asOf,
            source: input.source,
            // The loaded days, and the weeks before the scored days that their causes are compared with.
            from: minDay(
              ingest.days > 0 ? ingest.from : scoreFrom,
              addDays(scoreFrom, -7 * ROOT_CAUSE_REFERENCE_WEEKS),
            ),
            to: asOf,
            waitHours: input.causeWaitHours,
            checkEveryMinutes: input.causeCheckEveryMinutes,
          },
          `Attribute query cost; find the causes`,
        )
      : undefined;
  const notify = input.notify
    ? await stage(
        'notify',
        notifyAnomalies,
        { asOf, from: scoreFrom, to: asOf },
        `Alert anomalies ${scoreFrom} → ${asOf}`,
      )
    : null;

  if (attribute && attribute.pending.length > 0 && input.causeEditHours > 0) {
    attribute.followUp = await followUpAttribution(asOf, input, attribute);
  }

  const finished = gated
    ? await quick.finishPipelineDay.executeWithOptions({ summary: `Record how ${asOf} ended` }, [
        {
          asOf,
          // Released by hand with accounts still missing counts as partial too: a later run re-scores it.
          status: data && data.missing.length > 0 ? 'partial' : 'complete',
          missing: data?.missing ?? [],
          scoredFrom: scoreFrom,
          dataComplete: data?.status === 'ready',
        },
      ])
    : undefined;

  progress.stage = 'done';
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.stage, value: 'done' },
    { key: SEARCH_ATTRIBUTES.anomalyCount, value: score.anomalies },
    { key: SEARCH_ATTRIBUTES.warehouses, value: score.anomalousWarehouses },
  ]);
  return {
    asOf,
    ...(data ? { data } : {}),
    ...(catchUp ? { catchUp: { ...catchUp, rescored: finished?.rescored ?? [] } } : {}),
    ingest,
    features,
    train,
    score,
    notify,
    ...(attribute ? { attribute } : {}),
  };
}

/**
 * Days whose query views lagged: a follow-up run keeps waiting for them after this run ends (the parent does not
 * hold the day open for hours), attributes them and edits the causes into the alerts already sent. A follow-up
 * already running for the day (a re-run of the pipeline) carries on instead.
 */
async function followUpAttribution(asOf: string, input: PipelineSettings, attribute: AttributeResult): Promise<string> {
  const workflowId = lateAttributionWorkflowId(asOf);
  try {
    await startChild(attributeCosts, {
      workflowId,
      args: [
        {
          asOf,
          source: input.source,
          from: attribute.pending[0],
          to: attribute.pending[attribute.pending.length - 1],
          waitHours: input.causeEditHours,
          checkEveryMinutes: input.causeCheckEveryMinutes,
          editAlerts: input.notify,
        },
      ],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `Causes for ${attribute.pending.join(', ')} once the query views cover them`,
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.asOf, value: asOf },
        { key: SEARCH_ATTRIBUTES.stage, value: 'attribute' },
      ],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return workflowId;
}
