/** What each workflow returns: ids, dates and counts — never rows or model bytes (payloads stop at 2 MB). */

export interface IngestResult {
  source: string;
  from: string;
  to: string;
  days: number;
  rowsRead: number;
  rowsUpserted: number;
  warehouses: number;
}

export interface FeaturesResult {
  from: string;
  to: string;
  warehouses: number;
  rows: number;
}

export interface TrainedModelRef {
  warehouse: string;
  modelVersionId: number;
  version: number;
  created: boolean;
}

export interface TrainResult {
  trainedFrom: string;
  trainedTo: string;
  models: TrainedModelRef[];
  skipped: { warehouse: string; reason: string }[];
}

export interface ScoreResult {
  from: string;
  to: string;
  scored: number;
  anomalies: number;
  anomalyIds: number[];
  anomalousWarehouses: string[];
  unscored: { warehouse: string; reason: string }[];
}

export interface NotifyResult {
  alerted: number;
  alreadyAlerted: number;
  destination: string | null;
}

export interface PipelineResult {
  asOf: string;
  ingest: IngestResult;
  features: FeaturesResult;
  train: TrainResult;
  score: ScoreResult;
  notify: NotifyResult | null;
}

/** The pipeline's `progress` query answer. */
export interface PipelineProgress {
  asOf: string;
  /** The running stage, `starting` before the first and `done` after the last. */
  stage: string;
  /** Finished stages with how long each took (workflow time). */
  completed: { stage: string; seconds: number }[];
  startedAt: string;
}
