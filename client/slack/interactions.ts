/**
 * What the Slack app does when someone clicks a button on an alert or types `/snowpatrol`: record feedback,
 * snooze a warehouse, start a run, report status. Bolt-free, so it is tested directly; bolt-app.ts wires it.
 */
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { canEdit, refreshMessage } from '../../activities/notify-activities';
import { ALERT_ACTIONS } from '../../activities/slack/block-kit';
import type { AlertTransport } from '../../activities/slack/transport';
import { anomaliesByIds } from '../../activities/store/anomaly-store';
import type { Db } from '../../activities/store/database';
import { recordFeedback, type FeedbackVerdict } from '../../activities/store/feedback-store';
import { alertOf, openAlertMessagesOf } from '../../activities/store/notification-store';
import { lookUpWarehouse, setSnooze } from '../../activities/store/snooze-store';
import { snoozeWorkflowId, TASK_QUEUE, WORKFLOW_TYPES } from '../../schemas/constants';
import { addDays, isIsoDate, toIsoDay } from '../../schemas/dates';
import { runUrl } from '../../schemas/links';
import { pipelineStartOptions } from '../../schemas/start-policies';

export interface InteractionDeps {
  db: Db;
  temporal: Client;
  namespace: string;
  webUiUrl: string;
  /** Edits alert messages in place after a click. */
  transport: AlertTransport;
  now?: () => Date;
}

const VERDICT_OF: Partial<Record<string, FeedbackVerdict>> = {
  [ALERT_ACTIONS.acknowledge]: 'confirmed',
  [ALERT_ACTIONS.falsePositive]: 'false_positive',
  [ALERT_ACTIONS.expected]: 'expected_change',
};

const SNOOZE_DAYS_OF: Partial<Record<string, number>> = {
  [ALERT_ACTIONS.snooze1]: 1,
  [ALERT_ACTIONS.snooze7]: 7,
};

/** Whether an action id is one of the alert's buttons. */
export function isAlertAction(actionId: string): boolean {
  return actionId in VERDICT_OF || actionId in SNOOZE_DAYS_OF;
}

/**
 * A click on an alert button by `user`: record it, then re-render the alert message in place. Returns a short
 * text for the clicker (shown ephemerally), or throws an Error whose message says what went wrong.
 */
export async function handleAlertAction(
  deps: InteractionDeps,
  click: { actionId: string; value: string; user: string },
): Promise<string> {
  const anomalyId = Number(click.value);
  if (!Number.isInteger(anomalyId) || anomalyId <= 0) throw new Error(`not an anomaly id: "${click.value}"`);
  const [anomaly] = await anomaliesByIds(deps.db, [anomalyId]);
  if (!anomaly) throw new Error(`anomaly ${anomalyId} does not exist (was the database reset?)`);
  const verdict = VERDICT_OF[click.actionId];
  const snoozeDays = SNOOZE_DAYS_OF[click.actionId];
  let reply: string;
  if (verdict) {
    await recordFeedback(deps.db, { anomalyId, verdict, author: click.user });
    reply = {
      confirmed: `Acknowledged ${anomaly.warehouse} on ${anomaly.usageDate}.`,
      false_positive: `Marked ${anomaly.warehouse} on ${anomaly.usageDate} as not an anomaly: the next training run leaves the day out.`,
      expected_change: `Marked ${anomaly.warehouse} on ${anomaly.usageDate} as expected (planned work): the next training run leaves the day out.`,
    }[verdict];
    const alert = await alertOf(deps.db, anomalyId);
    if (alert && canEdit(deps.transport, alert.messageRef))
      await refreshMessage(deps.db, deps.transport, alert.messageRef);
  } else if (snoozeDays) {
    // snooze() re-renders every open alert of the warehouse, this one included.
    const until = await snooze(deps, { warehouse: anomaly.warehouse, days: snoozeDays, author: click.user, anomalyId });
    reply = `Snoozed ${anomaly.warehouse} until ${until.toISOString().slice(0, 16).replace('T', ' ')} UTC: no alerts for it until then.`;
  } else {
    throw new Error(`unknown action "${click.actionId}"`);
  }
  return reply;
}

/**
 * Snooze a warehouse: start (or replace) its `snoozeWarehouse` workflow, whose durable timer ends the snooze,
 * and write the snooze row now so the alert shows it at once. Returns when it ends.
 */
export async function snooze(
  deps: InteractionDeps,
  input: { warehouse: string; days: number; author: string; anomalyId?: number },
): Promise<Date> {
  const { known, example } = await lookUpWarehouse(deps.db, input.warehouse);
  if (!known) {
    throw new Error(
      `unknown warehouse "${input.warehouse}": snowpatrol has no metering, model or anomaly of it ` +
        `(names look like ACCOUNT.WAREHOUSE${example ? `, e.g. ${example}` : ''})`,
    );
  }
  const until = new Date((deps.now?.() ?? new Date()).getTime() + input.days * 86_400_000);
  await deps.temporal.workflow.start(WORKFLOW_TYPES.snooze, {
    taskQueue: TASK_QUEUE,
    workflowId: snoozeWorkflowId(input.warehouse),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.TERMINATE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    args: [
      { warehouse: input.warehouse, until: until.toISOString(), author: input.author, anomalyId: input.anomalyId },
    ],
    staticSummary: `Snooze ${input.warehouse} for ${input.days} day(s)`,
  });
  await setSnooze(deps.db, { ...input, until });
  // Every alert still showing buttons for this warehouse now says it is snoozed.
  for (const ref of await openAlertMessagesOf(deps.db, input.warehouse)) {
    if (canEdit(deps.transport, ref)) await refreshMessage(deps.db, deps.transport, ref);
  }
  return until;
}

export const SLASH_HELP = [
  '`/snowpatrol run [YYYY-MM-DD]` — run the pipeline for a day (default: yesterday, UTC)',
  '`/snowpatrol status` — the latest runs',
  '`/snowpatrol snooze <ACCOUNT.WAREHOUSE> <days>` — mute a warehouse’s alerts (1–90 days)',
].join('\n');

/** `/snowpatrol <text>` from `user`: the reply to show. Bad input gets a reply saying what is wrong. */
export async function handleSlashCommand(deps: InteractionDeps, text: string, user: string): Promise<string> {
  const [verb = '', ...args] = text.trim().split(/\s+/).filter(Boolean);
  switch (verb.toLowerCase()) {
    case 'run':
      return startRun(deps, args);
    case 'status':
      return latestRuns(deps);
    case 'snooze': {
      const [warehouse, daysText] = args;
      const days = Number(daysText);
      if (!warehouse || args.length !== 2 || !Number.isFinite(days) || days <= 0 || days > 90) {
        return `Usage: \`/snowpatrol snooze <ACCOUNT.WAREHOUSE> <days>\` with 0 < days ≤ 90 (got \`${text.trim()}\`).`;
      }
      const until = await snooze(deps, { warehouse: warehouse.toUpperCase(), days, author: user });
      return `Snoozed ${warehouse.toUpperCase()} until ${until.toISOString().slice(0, 16).replace('T', ' ')} UTC.`;
    }
    case '':
    case 'help':
      return SLASH_HELP;
    default:
      return `Unknown command \`${verb}\`.\n${SLASH_HELP}`;
  }
}

async function startRun(deps: InteractionDeps, args: string[]): Promise<string> {
  const today = toIsoDay(deps.now?.() ?? new Date());
  const asOf = args[0] ?? addDays(today, -1);
  if (args.length > 1 || !isIsoDate(asOf)) {
    return `Usage: \`/snowpatrol run [YYYY-MM-DD]\` — \`${args.join(' ')}\` is not a date like 2026-11-20.`;
  }
  if (asOf >= today)
    return `${asOf} has not ended yet (UTC): its metering is incomplete. Pick ${addDays(today, -1)} or earlier.`;
  const options = pipelineStartOptions(asOf);
  try {
    const handle = await deps.temporal.workflow.start(WORKFLOW_TYPES.pipeline, { ...options, args: [{ asOf }] });
    const link = runUrl(deps.webUiUrl, deps.namespace, handle.workflowId, handle.firstExecutionRunId);
    return `Started the snowpatrol run for ${asOf} (or joined the one already running): <${link}|${handle.workflowId}>`;
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const described = await deps.temporal.workflow.getHandle(options.workflowId).describe();
    const link = runUrl(deps.webUiUrl, deps.namespace, options.workflowId, described.runId);
    return `${asOf} already ran to completion: <${link}|${options.workflowId}>. To run it again: \`snowpatrol run --as-of ${asOf} --rerun\`.`;
  }
}

async function latestRuns(deps: InteractionDeps): Promise<string> {
  const lines: string[] = [];
  const query = `WorkflowType = '${WORKFLOW_TYPES.pipeline}'`;
  for await (const run of deps.temporal.workflow.list({ query, pageSize: 10 })) {
    const link = runUrl(deps.webUiUrl, deps.namespace, run.workflowId, run.runId);
    lines.push(
      `• <${link}|${run.workflowId}> — ${run.status.name}, started ${run.startTime.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    );
    if (lines.length === 5) break;
  }
  return lines.length > 0 ? `Latest snowpatrol runs:\n${lines.join('\n')}` : 'No snowpatrol runs yet.';
}
