/** Train: one Isolation Forest per warehouse on point-in-time features, stored as an immutable version. */
import { Context } from '@temporalio/activity';
import type { DetectionSettings } from '../schemas/detection-config';
import { withHeartbeat } from './heartbeat';
import { addDays } from '../schemas/dates';
import { trainDetector, type DetectorParams } from './ml/detector';
import { featureVersion } from './ml/features';
import { ALGORITHM, parseArtifact, serializeArtifact, sha256 } from './ml/isolation-forest';
import { gateCandidate, type GateComparison, type GateModel } from './ml/promotion';
import type { Db } from './store/database';
import { readFeatures, warehousesWithFeatures } from './store/feature-store';
import { daysExcludedFromTraining } from './store/feedback-store';
import {
  advanceAlias,
  aliasTarget,
  findByFingerprint,
  insertModelVersion,
  type ModelVersion,
} from './store/model-store';

export interface TrainDeps {
  db: Db;
  detection: DetectionSettings;
}

export interface TrainWarehouseInput {
  warehouse: string;
  trainedFrom: string;
  trainedTo: string;
  workflowId?: string;
  runId?: string;
}

export interface TrainBatchInput extends Omit<TrainWarehouseInput, 'warehouse'> {
  warehouses: string[];
}

export type TrainWarehouseResult =
  | {
      warehouse: string;
      status: 'trained';
      modelVersionId: number;
      version: number;
      created: boolean;
      /** Whether this version is now the champion (false when the gate kept the old one). */
      champion: boolean;
    }
  | { warehouse: string; status: 'skipped'; reason: string };

/** The detector params of the configured settings (recorded on each version and folded into its fingerprint). */
export function detectorParams(settings: DetectionSettings): DetectorParams {
  return {
    nEstimators: settings.nEstimators,
    sampleSize: settings.sampleSize,
    threshold: { method: 'mean+k*std', k: settings.thresholdK },
    filters: settings.filters,
  };
}

/** A stored version as the gate and the scorer need it. */
export function gateModelOf(model: ModelVersion): GateModel {
  return {
    version: model.version,
    artifact: parseArtifact(model.artifact),
    threshold: model.threshold,
    filters: (model.params as DetectorParams).filters,
  };
}

export function createTrainActivities(deps: TrainDeps) {
  const settings = deps.detection;
  const version = featureVersion(settings.windowDays);
  const params = detectorParams(settings);
  const actor = 'snowpatrol training';
  return {
    /** Warehouses with features in the training window. */
    async listTrainableWarehouses(input: { trainedFrom: string; trainedTo: string }): Promise<string[]> {
      return warehousesWithFeatures(deps.db, input.trainedFrom, input.trainedTo);
    },

    /**
     * Train (or reuse) the model for one warehouse and window. Same data + params + seed → same fingerprint →
     * the existing version is returned instead of a duplicate. Days people marked as false positives or expected
     * changes are left out. `latest` moves to a new version unless a model trained on more recent data holds it;
     * `champion` moves too when the promotion gate lets it (or at once when gating is off).
     */
    async trainWarehouseModel(input: TrainWarehouseInput): Promise<TrainWarehouseResult> {
      return trainOne(input);
    },

    /**
     * Train a batch of warehouses one after another (`trainWarehouseModel` for each), heartbeating after each:
     * one activity per batch keeps the workflow's history short and its per-activity overhead small at
     * organisation scale.
     */
    async trainWarehouseModels(input: TrainBatchInput): Promise<TrainWarehouseResult[]> {
      const ctx = Context.current();
      const results: TrainWarehouseResult[] = [];
      const progress = () => ({ done: results.length, of: input.warehouses.length });
      // Heartbeats on a timer too, so a warehouse waiting on a database lock does not look like a dead worker.
      return withHeartbeat(ctx, progress, async () => {
        for (const warehouse of input.warehouses) {
          results.push(await trainOne({ ...input, warehouse }));
          ctx.heartbeat(progress());
        }
        return results;
      });
    },
  };

  async function trainOne(input: TrainWarehouseInput): Promise<TrainWarehouseResult> {
    const { warehouse, trainedFrom, trainedTo } = input;
    const excluded = await daysExcludedFromTraining(deps.db, warehouse, trainedFrom, trainedTo);
    const all = await readFeatures(deps.db, warehouse, trainedFrom, trainedTo, version);
    const rows = all.filter((r) => !excluded.has(r.usageDate));
    if (rows.length < settings.minTrainingDays) {
      return {
        warehouse,
        status: 'skipped',
        reason: `${rows.length} days of features, need ${settings.minTrainingDays}`,
      };
    }
    const fingerprint = sha256(
      JSON.stringify({
        algorithm: ALGORITHM,
        params,
        seed: settings.seed,
        version,
        days: rows.map((r) => [r.usageDate, r.credits, r.trend, r.seasonal, r.residual]),
      }),
    );
    const existing = await findByFingerprint(deps.db, warehouse, fingerprint);
    if (existing) {
      await advanceAlias(deps.db, existing, 'latest', { reason: 'training', actor });
      const champion = await aliasTarget(deps.db, warehouse, 'champion');
      return trained(existing, false, champion?.id === existing.id);
    }

    const detector = trainDetector(rows, params, settings.seed);
    const artifactText = serializeArtifact(detector.artifact);
    const champion = await aliasTarget(deps.db, warehouse, 'champion');
    // A backfill's version, trained on data older than the champion's, can never replace it: not gated.
    const contender = !champion || champion.trainedTo <= rows[rows.length - 1].usageDate;
    const promotion: GateComparison | null =
      settings.promotion.gated && contender
        ? gateCandidate(
            rows.filter((r) => r.usageDate > addDays(trainedTo, -settings.promotion.backtestDays)),
            { version: 0, artifact: detector.artifact, threshold: detector.threshold, filters: params.filters },
            champion && champion.featureVersion === version ? gateModelOf(champion) : undefined,
            settings.promotion.alertRateBudget,
          )
        : null;
    // The new version and its alias moves commit together: a worker that dies in between must not leave a version
    // that no alias names, with the gate's promotion never carried out (the retry would find it by fingerprint and
    // reuse it without moving `champion`). Rolled back, the retry trains it again, byte for byte.
    return deps.db.transaction(async (tx) => {
      const inserted = await insertModelVersion(tx, {
        warehouse,
        algorithm: ALGORITHM,
        params,
        seed: settings.seed,
        trainedFrom: rows[0].usageDate,
        trainedTo: rows[rows.length - 1].usageDate,
        featureVersion: version,
        dataFingerprint: fingerprint,
        artifact: artifactText,
        artifactSha256: sha256(artifactText),
        threshold: detector.threshold,
        metrics: { ...detector.metrics, excludedDays: all.length - rows.length },
        promotion,
        workflowId: input.workflowId ?? null,
        runId: input.runId ?? null,
      });
      const model = inserted.row;
      await advanceAlias(tx, model, 'latest', { reason: 'training', actor });
      if (promotion === null || promotion.promoted) {
        await advanceAlias(tx, model, 'champion', { reason: promotion ? 'gate' : 'training', actor });
      }
      const nowChampion = await aliasTarget(tx, warehouse, 'champion');
      return trained(model, inserted.created, nowChampion?.id === model.id);
    });
  }
}

function trained(model: ModelVersion, created: boolean, champion: boolean): TrainWarehouseResult {
  return {
    warehouse: model.warehouse,
    status: 'trained',
    modelVersionId: model.id,
    version: model.version,
    created,
    champion,
  };
}
