/**
 * Names that form snowpatrol's public API for `temporal`/`tctl` users: task queue, workflow types,
 * workflow ids and search attributes. Pure constants only — imported by workflows, the worker and the CLI.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The task queue every snowpatrol worker polls. */
export const TASK_QUEUE = 'snowpatrol';

/** Workflow type names (stable: changing one breaks schedules and scripts that start it). */
export const WORKFLOW_TYPES = {
  pipeline: 'snowpatrolPipeline',
  ingest: 'ingestMetering',
  features: 'prepareFeatures',
  train: 'trainModels',
  score: 'scoreAnomalies',
  notify: 'notifyAnomalies',
  attribute: 'attributeCosts',
  scheduled: 'scheduledPipeline',
  snooze: 'snoozeWarehouse',
} as const;

export type Stage = keyof typeof WORKFLOW_TYPES;

/** Non-retryable failure type used when a workflow input fails validation. */
export const INVALID_INPUT = 'InvalidInput';

/** Error types that activities never retry: retrying cannot fix a bad source, row, config or input. */
export const NON_RETRYABLE_ERROR_TYPES = [
  'SourceError',
  'InvalidRowError',
  'ConfigError',
  'SnowflakeAuthError',
  'SnowflakePrivilegeError',
  'SlackConfigError',
  INVALID_INPUT,
];

/** Custom search attributes; the dev server registers them at start, production clusters once (README). */
export const SEARCH_ATTRIBUTES = {
  asOf: defineSearchAttributeKey('SnowpatrolAsOf', SearchAttributeType.KEYWORD),
  stage: defineSearchAttributeKey('SnowpatrolStage', SearchAttributeType.KEYWORD),
  anomalyCount: defineSearchAttributeKey('SnowpatrolAnomalyCount', SearchAttributeType.INT),
  warehouses: defineSearchAttributeKey('SnowpatrolWarehouses', SearchAttributeType.KEYWORD_LIST),
} as const;

/** `name=Type` pairs in the form the Temporal CLI's `--search-attribute` flag takes. */
export const SEARCH_ATTRIBUTE_CLI_ARGS = Object.values(SEARCH_ATTRIBUTES).map(
  (key) => `${key.name}=${cliTypeName(key.type)}`,
);

function cliTypeName(type: SearchAttributeType): string {
  switch (type) {
    case SearchAttributeType.KEYWORD:
      return 'Keyword';
    case SearchAttributeType.INT:
      return 'Int';
    case SearchAttributeType.KEYWORD_LIST:
      return 'KeywordList';
    default:
      throw new Error(`no CLI name for search attribute type ${type}`);
  }
}

const ID_PREFIX: Record<Stage, string> = {
  pipeline: 'snowpatrol-pipeline',
  ingest: 'snowpatrol-ingest',
  features: 'snowpatrol-features',
  train: 'snowpatrol-train',
  score: 'snowpatrol-score',
  notify: 'snowpatrol-notify',
  attribute: 'snowpatrol-attribute',
  scheduled: 'snowpatrol-scheduled-pipeline',
  snooze: 'snowpatrol-snooze',
};

/**
 * Business workflow id for a stage and as-of date, e.g. `snowpatrol-pipeline-2026-11-20`. A scheduled run,
 * a backfill and an ad-hoc start of the same date share it, so Temporal keeps them one run.
 */
export function workflowIdFor(stage: Stage, asOf: string): string {
  return `${ID_PREFIX[stage]}-${asOf}`;
}

/**
 * The follow-up of a day's pipeline that keeps waiting for Snowflake's query views after the alerts went out, then
 * edits the causes into them: `snowpatrol-attribute-late-2026-11-20`.
 */
export function lateAttributionWorkflowId(asOf: string): string {
  return `${ID_PREFIX.attribute}-late-${asOf}`;
}

/** The snooze workflow of a warehouse: one per warehouse, so a new snooze replaces the running one. */
export function snoozeWorkflowId(warehouse: string): string {
  return `${ID_PREFIX.snooze}-${warehouse}`;
}
