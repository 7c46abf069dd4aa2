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
  /** Whether this version is the champion that scoring uses (false when the promotion gate kept the old one). */
  champion: boolean;
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
  /** Alerts already sent whose day was restated and that were updated. */
  updated: number;
  /** Anomalies not alerted because their warehouse was snoozed (absent in runs before snoozes existed). */
  snoozed?: number;
  /** Messages posted (absent in runs before Slack delivery existed). */
  messages?: number;
  /** The first new message: an outbox file, or `slack:<channel>:<ts>`. */
  destination: string | null;
}

export interface AttributeResult {
  /** `unavailable`: the source has no query data (CSV), nothing attributed. */
  status: 'attributed' | 'unavailable';
  /** Days attributed by this run. */
  days: string[];
  /** Days the query views did not cover yet when the run stopped waiting. */
  pending: string[];
  queries: number;
  /** Compute credits of the attributed days: metered = attributed + idle. */
  meteredCredits: number;
  attributedCredits: number;
  idleCredits: number;
  /** Anomalies whose cause was found or changed. */
  explained: number;
  /** Alert messages edited to show the cause (only with `editAlerts`). */
  alertsEdited: number;
  /** Checks of how far the query views are published. */
  checks: number;
  /** The follow-up that waits for the pending days and edits their alerts (pipeline only). */
  followUp?: string;
}

export interface PipelineResult {
  asOf: string;
  /** How the wait for the day's data ended (absent when the run did not wait). */
  data?: DataWait;
  /** Days before the last `scoreDays` that this run re-scored: missed by every run, or run partial. */
  catchUp?: { from?: string; missedDays: number; partialDays: string[]; rescored: string[] };
  ingest: IngestResult;
  features: FeaturesResult;
  train: TrainResult;
  score: ScoreResult;
  notify: NotifyResult | null;
  /** Cost attribution and causes (absent in runs before attribution existed, or with `attribution: false`). */
  attribute?: AttributeResult;
}

/** The pipeline's `progress` query answer. */
export interface PipelineProgress {
  asOf: string;
  /** The running stage: `starting`, `waiting-for-data`, a stage name, then `done`. */
  stage: string;
  /** Finished stages with how long each took (workflow time). */
  completed: { stage: string; seconds: number }[];
  startedAt: string;
  /** While the run waits for Snowflake to publish the day: since when and for which accounts. */
  waitingForData?: DataWaitProgress;
}

export interface DataWaitProgress {
  since: string;
  /** Accounts whose metering does not yet cover the day. */
  missing: string[];
  checks: number;
  nextCheckAt: string;
  /** When the run gives up waiting and proceeds with partial data. */
  deadline: string;
}

/** How the wait for the day's data ended. */
export interface DataWait {
  /** `ready`: every account published the day; `released`: the dataReady signal; `partial`: the deadline passed. */
  status: 'ready' | 'released' | 'partial';
  checks: number;
  waitedSeconds: number;
  /** Accounts still missing when the wait ended. */
  missing: string[];
  releasedBy?: string;
}
