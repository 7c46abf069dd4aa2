/**
 * QUERY_TAG → cost dimensions. Teams tag Snowflake statements in a few common ways; this reads them all into one
 * shape, and never throws: a tag it cannot read is kept as plain text, so its cost still has a name.
 *
 * - Airflow (the SnowPatrol plugin, and most hand-made policies): JSON or key=value with `dag_id`, `task_id`,
 *   `run_id`.
 * - dbt (`query_tag` config, or the dbt_snowflake_query_tags macro): JSON with `app: "dbt"` or a `node_id` such as
 *   `model.shop.orders`; the model is its last part.
 * - Temporal (`temporalQueryTag`, which snowpatrol stamps on its own statements): JSON with `workflowType`,
 *   `workflowId`, `activity` (snake_case accepted too).
 *
 * `workloadLabel` and `dimensionValues` turn that shape into the values cost is reported by (`cost_daily`).
 */
import { UNTAGGED, type CostDimension } from '../../schemas/attribution';
import type { QueryCostRecord } from '../sources/metering-source';

/** Snowflake's limit on QUERY_TAG; longer input is not a tag Snowflake would have stored. */
export const MAX_QUERY_TAG_LENGTH = 2000;
/** Values are cut to this many characters: dimensions are names, not payloads. */
export const MAX_DIMENSION_LENGTH = 200;

export type QueryTagFormat = 'json' | 'key-value' | 'text' | 'none';

export interface QueryTagDimensions {
  format: QueryTagFormat;
  airflow?: { dagId: string; taskId?: string; runId?: string };
  dbt?: { model: string; project?: string; invocationId?: string };
  temporal?: { workflowType?: string; workflowId?: string; activity?: string };
  /** Every field read, keys lower-cased; a `text` tag is `{ tag: <the text> }`. */
  fields: Record<string, string>;
}

export function parseQueryTag(tag: string | null | undefined): QueryTagDimensions {
  const text = (tag ?? '').trim().slice(0, MAX_QUERY_TAG_LENGTH);
  if (text === '') return { format: 'none', fields: {} };
  const json = jsonFields(text);
  if (json) return dimensions('json', json);
  const pairs = keyValueFields(text);
  if (pairs) return dimensions('key-value', pairs);
  return { format: 'text', fields: { tag: clip(text) } };
}

function dimensions(format: QueryTagFormat, fields: Record<string, string>): QueryTagDimensions {
  const result: QueryTagDimensions = { format, fields };
  const pick = (...keys: string[]) => keys.map((k) => fields[k]).find((v) => v !== undefined && v !== '');
  const dagId = pick('dag_id', 'airflow_dag_id', 'dag');
  if (dagId) {
    result.airflow = withDefined({ dagId, taskId: pick('task_id', 'airflow_task_id'), runId: pick('run_id') });
  }
  const nodeId = pick('node_id', 'dbt_node_id');
  const isDbt = pick('app')?.toLowerCase() === 'dbt' || nodeId !== undefined;
  const model = pick('node_name', 'model', 'dbt_model') ?? nodeId?.split('.').at(-1);
  if (isDbt && model) {
    result.dbt = withDefined({
      model,
      project:
        pick('project_name', 'dbt_project') ?? (nodeId?.split('.').length === 3 ? nodeId.split('.')[1] : undefined),
      invocationId: pick('invocation_id'),
    });
  }
  const workflowType = pick('workflowtype', 'workflow_type', 'temporal_workflow_type');
  const workflowId = pick('workflowid', 'workflow_id', 'temporal_workflow_id');
  if (workflowType || workflowId) {
    result.temporal = withDefined({
      workflowType,
      workflowId,
      activity: pick('activity', 'activitytype', 'activity_type', 'temporal_activity'),
    });
  }
  return result;
}

/**
 * The workload a tag names, as one stable, readable value (the `query_tag` dimension). The most specific reading
 * wins, and ids that change every run (Airflow run id, dbt invocation, Temporal workflow id) are left out, so a
 * workload keeps one value from day to day:
 * - dbt: `dbt:<model>` (a dbt run started by Airflow is still that model);
 * - Airflow: `airflow:<dag>.<task>`, or `airflow:<dag>` without a task;
 * - Temporal: `temporal:<workflowType>.<activity>`, or `temporal:<workflowType>`; the workflow id only when the tag
 *   has no type;
 * - any other JSON or key=value tag: its fields as `key=value` joined by `;` in key order (the same fields in
 *   another order or format are one workload);
 * - a text tag: its text; no tag: `(untagged)`.
 */
export function workloadLabel(dims: QueryTagDimensions): string {
  if (dims.dbt) return `dbt:${dims.dbt.model}`;
  if (dims.airflow) return clip(`airflow:${dims.airflow.dagId}${dims.airflow.taskId ? `.${dims.airflow.taskId}` : ''}`);
  const temporal = dims.temporal;
  if (temporal) {
    const workflow = temporal.workflowType ?? temporal.workflowId ?? '';
    return clip(`temporal:${workflow}${temporal.activity ? `.${temporal.activity}` : ''}`);
  }
  if (dims.format === 'text') return dims.fields.tag;
  const pairs = Object.keys(dims.fields)
    .sort()
    .map((key) => `${key}=${dims.fields[key]}`);
  return pairs.length > 0 ? clip(pairs.join(';')) : UNTAGGED;
}

/** The four dimensions every query has a value for. */
export type AlwaysPresentDimension = 'query_tag' | 'user' | 'role' | 'query_hash';

/** A query's value per cost dimension: always the first four, the others when its tag carries them. */
export type DimensionValues = Record<AlwaysPresentDimension, string> & Partial<Record<CostDimension, string>>;

/** What a query's user, role or hash is counted under when Snowflake left it empty. */
export const UNKNOWN_VALUE = '(unknown)';

/**
 * A query's values per `COST_DIMENSIONS` entry. `airflow_task` is `<dag>.<task>` (task ids repeat across DAGs);
 * `temporal_activity` is the activity alone (one activity serves many workflow types).
 */
export function dimensionValues(
  record: Pick<QueryCostRecord, 'queryTag' | 'userName' | 'roleName' | 'queryHash'>,
): DimensionValues {
  const dims = parseQueryTag(record.queryTag);
  const values: DimensionValues = {
    query_tag: workloadLabel(dims),
    user: record.userName || UNKNOWN_VALUE,
    role: record.roleName || UNKNOWN_VALUE,
    query_hash: record.queryHash || UNKNOWN_VALUE,
  };
  if (dims.airflow) {
    values.airflow_dag = dims.airflow.dagId;
    if (dims.airflow.taskId) values.airflow_task = clip(`${dims.airflow.dagId}.${dims.airflow.taskId}`);
    if (dims.airflow.runId) values.airflow_run = clip(`${dims.airflow.dagId}/${dims.airflow.runId}`);
  }
  if (dims.dbt) values.dbt_model = dims.dbt.model;
  if (dims.temporal?.workflowType) values.temporal_workflow_type = dims.temporal.workflowType;
  if (dims.temporal?.workflowId) values.temporal_workflow_id = dims.temporal.workflowId;
  if (dims.temporal?.activity) values.temporal_activity = dims.temporal.activity;
  return values;
}

/** A JSON object's top-level fields as strings (nested values as compact JSON), or undefined. */
function jsonFields(text: string): Record<string, string> | undefined {
  if (!text.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (value === null || value === undefined) continue;
    fields[key.trim().toLowerCase()] = clip(typeof value === 'string' ? value.trim() : JSON.stringify(value));
  }
  return fields;
}

/** `a=1;b=2`, `a=1, b=2`, `a:1 b:2` or `a=1&b=2`; undefined unless every part is a pair with a key. */
function keyValueFields(text: string): Record<string, string> | undefined {
  const parts = text.split(/[;,&\s]+/).filter((p) => p !== '');
  const fields: Record<string, string> = {};
  for (const part of parts) {
    const m = /^([A-Za-z_][\w.-]*)[=:](.*)$/.exec(part);
    if (!m) return undefined;
    fields[m[1].toLowerCase()] = clip(decode(m[2]));
  }
  return parts.length > 0 ? fields : undefined;
}

function decode(value: string): string {
  const unquoted = value.replace(/^(["'])(.*)\1$/, '$2');
  try {
    return decodeURIComponent(unquoted);
  } catch {
    return unquoted;
  }
}

function clip(value: string): string {
  return value.length > MAX_DIMENSION_LENGTH ? `${value.slice(0, MAX_DIMENSION_LENGTH - 1)}…` : value;
}

function withDefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
