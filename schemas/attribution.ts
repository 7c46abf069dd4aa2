/**
 * Cost attribution's shared vocabulary: the dimensions a query's cost is reported by, and the shape of an
 * anomaly's root cause as stored on the anomaly (`anomalies.causes`). Pure types and constants only — imported by
 * activities, the CLI and the report.
 */

/**
 * Dimensions of `cost_daily`. Every attributed query has a value for the first four (`(untagged)` when it has no
 * QUERY_TAG); the others only when its tag carries them.
 * - `query_tag`: the workload the tag names (`workloadLabel`: Airflow dag.task, dbt model, Temporal workflow
 *   type/activity, or the tag's text).
 * - `user`, `role`: USER_NAME, ROLE_NAME. `query_hash`: QUERY_PARAMETERIZED_HASH (one value per query shape).
 * - `airflow_task` is `dag.task` and `airflow_run` is `dag/run_id` (task and run ids repeat across DAGs);
 *   `temporal_workflow_id` is one workflow execution's business id (cost per run of a workflow).
 */
export const COST_DIMENSIONS = [
  'query_tag',
  'user',
  'role',
  'query_hash',
  'airflow_dag',
  'airflow_task',
  'airflow_run',
  'dbt_model',
  'temporal_workflow_type',
  'temporal_workflow_id',
  'temporal_activity',
] as const;

export type CostDimension = (typeof COST_DIMENSIONS)[number];

/** The dimensions a root cause is looked for in, in the order they are shown. */
export const ROOT_CAUSE_DIMENSIONS = ['query_tag', 'user', 'query_hash'] as const satisfies readonly CostDimension[];

export type RootCauseDimension = (typeof ROOT_CAUSE_DIMENSIONS)[number];

/** The value a query without a QUERY_TAG is counted under in the `query_tag` dimension. */
export const UNTAGGED = '(untagged)';

/** How a day's query credits were found. */
export type AttributionMethod = 'reported' | 'execution-time';

/** Same weekday of this many weeks before an anomalous day is what its workloads are compared with. */
export const ROOT_CAUSE_REFERENCE_WEEKS = 4;

/** One workload that made an anomalous day cost more than usual. */
export interface CauseContributor {
  value: string;
  /** Attributed compute credits on the anomalous day. */
  credits: number;
  /** Mean credits on the reference days (0 when it did not run). */
  usualCredits: number;
  /** credits − usualCredits */
  growth: number;
  /** growth ÷ the anomaly's excess credits. */
  shareOfExcess: number;
  /** `new`: no cost at all on the reference days; `grown`: it ran then too. */
  kind: 'new' | 'grown';
}

/** An anomaly's root cause, stored as JSON on the anomaly once the day has been attributed. */
export interface AnomalyCauses {
  method: AttributionMethod;
  /** When it was computed (ISO). */
  explainedAt: string;
  /** Reference days used (same weekday, weeks before) that had attribution. */
  referenceDays: string[];
  /** Top contributors per dimension, largest growth first (at most 3 each). */
  byDimension: Record<RootCauseDimension, CauseContributor[]>;
  /** Idle credits (metered, no query running) on the day and on average on the reference days. */
  idle: { credits: number; usualCredits: number };
}
