/** Train: one Isolation Forest per warehouse on point-in-time residuals, stored as an immutable version. */
import { scoreThreshold } from './ml/detect';
import { featureVersion } from './ml/features';
import { ALGORITHM, serializeArtifact, scoreForest, sha256, trainForest } from './ml/isolation-forest';
import type { Db } from './store/database';
import { readFeatures, warehousesWithFeatures } from './store/feature-store';
import { advanceLatest, findByFingerprint, insertModelVersion } from './store/model-store';

export interface TrainDeps {
  db: Db;
  windowDays: number;
  /** Forest size and seed; the seed makes artifacts reproducible. */
  modelParams: { nEstimators: number; seed: number };
  /** Fewer training days than this and the warehouse is skipped (reported, not failed). */
  minTrainingDays: number;
}

export interface TrainWarehouseInput {
  warehouse: string;
  trainedFrom: string;
  trainedTo: string;
  workflowId?: string;
  runId?: string;
}

export type TrainWarehouseResult =
  | { warehouse: string; status: 'trained'; modelVersionId: number; version: number; created: boolean }
  | { warehouse: string; status: 'skipped'; reason: string };

/** Model params recorded with each version and folded into its fingerprint. */
export interface ModelParams {
  nEstimators: number;
  threshold: { method: 'mean+k*std'; k: number };
  minExcessCredits: number;
}

export function createTrainActivities(deps: TrainDeps) {
  const version = featureVersion(deps.windowDays);
  const params: ModelParams = {
    nEstimators: deps.modelParams.nEstimators,
    threshold: { method: 'mean+k*std', k: 3 },
    minExcessCredits: 1,
  };
  return {
    /** Warehouses with features in the training window. */
    async listTrainableWarehouses(input: { trainedFrom: string; trainedTo: string }): Promise<string[]> {
      return warehousesWithFeatures(deps.db, input.trainedFrom, input.trainedTo);
    },

    /**
     * Train (or reuse) the model for one warehouse and window. Same data + params + seed → same fingerprint →
     * the existing version is returned instead of a duplicate. `latest` moves to it unless a model trained on
     * more recent data already holds it.
     */
    async trainWarehouseModel(input: TrainWarehouseInput): Promise<TrainWarehouseResult> {
      const rows = await readFeatures(deps.db, input.warehouse, input.trainedFrom, input.trainedTo, version);
      if (rows.length < deps.minTrainingDays) {
        return {
          warehouse: input.warehouse,
          status: 'skipped',
          reason: `${rows.length} days of features, need ${deps.minTrainingDays}`,
        };
      }
      const residuals = rows.map((r) => [r.residual]);
      const fingerprint = sha256(
        JSON.stringify({
          algorithm: ALGORITHM,
          params,
          seed: deps.modelParams.seed,
          version,
          days: rows.map((r) => [r.usageDate, r.residual]),
        }),
      );
      const existing = await findByFingerprint(deps.db, input.warehouse, fingerprint);
      let model = existing;
      let created = false;
      if (!model) {
        const artifact = trainForest(residuals, deps.modelParams);
        const artifactText = serializeArtifact(artifact);
        const trainingScores = scoreForest(artifact, residuals);
        const threshold = scoreThreshold(trainingScores, params.threshold.k);
        const inserted = await insertModelVersion(deps.db, {
          warehouse: input.warehouse,
          algorithm: ALGORITHM,
          params,
          seed: deps.modelParams.seed,
          trainedFrom: rows[0].usageDate,
          trainedTo: rows[rows.length - 1].usageDate,
          featureVersion: version,
          dataFingerprint: fingerprint,
          artifact: artifactText,
          artifactSha256: sha256(artifactText),
          threshold,
          metrics: {
            trainingDays: rows.length,
            trainingFlagged: trainingScores.filter((s) => s > threshold).length,
            scoreMax: Math.max(...trainingScores),
          },
          workflowId: input.workflowId ?? null,
          runId: input.runId ?? null,
        });
        model = inserted.row;
        created = inserted.created;
      }
      await advanceLatest(deps.db, model);
      return {
        warehouse: input.warehouse,
        status: 'trained',
        modelVersionId: model.id,
        version: model.version,
        created,
      };
    },
  };
}
