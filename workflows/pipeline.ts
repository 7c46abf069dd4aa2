/**
 * The nightly business process: load the day's metering, build features, train per-warehouse models on the
 * days before, score the day(s), and tell the owners. Each stage is a child workflow with a business id, so
 * it can also be started on its own.
 */
import { executeChild, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { SEARCH_ATTRIBUTES, WORKFLOW_TYPES, workflowIdFor, type Stage } from '../schemas/constants';
import { addDays, minDay } from '../schemas/dates';
import { pipelineInput, type PipelineInput } from '../schemas/inputs';
import type { PipelineProgress, PipelineResult } from '../schemas/results';
import { resolveAsOf, tagRun } from './as-of';
import { progressQuery } from './definitions';
import { ingestMetering } from './ingest-metering';
import { notifyAnomalies } from './notify-anomalies';
import { prepareFeatures } from './prepare-features';
import { scoreAnomalies } from './score-anomalies';
import { trainModels } from './train-models';
import { parseInput } from './validate';

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

  const scoreFrom = addDays(asOf, 1 - input.scoreDays);
  const trainedTo = addDays(scoreFrom, -1);
  const trainedFrom = addDays(trainedTo, 1 - input.trainingDays);

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

  const ingest = await stage(
    'ingest',
    ingestMetering,
    { asOf, source: input.source, historyDays: input.historyDays, reloadDays: input.reloadDays },
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
  const notify = input.notify
    ? await stage(
        'notify',
        notifyAnomalies,
        { asOf, from: scoreFrom, to: asOf },
        `Alert anomalies ${scoreFrom} → ${asOf}`,
      )
    : null;

  progress.stage = 'done';
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.stage, value: 'done' },
    { key: SEARCH_ATTRIBUTES.anomalyCount, value: score.anomalies },
    { key: SEARCH_ATTRIBUTES.warehouses, value: score.anomalousWarehouses },
  ]);
  return { asOf, ingest, features, train, score, notify };
}
