/** The anomaly alert as a Slack Block Kit message (pure: same anomalies in, same message out). */
import type { AnomalyCauses } from '../../schemas/attribution';
import { causeBlock } from './cause-blocks';

export interface AlertAnomaly {
  warehouse: string;
  usageDate: string;
  actual: number;
  expected: number;
  excessCredits: number;
  excessCost: number | null;
  currency: string | null;
  direction: 'spike' | 'drop';
  severity: 'low' | 'medium' | 'high';
  modelVersionId: number;
  score: number;
  /** The anomaly's id: with it, an open anomaly gets the feedback buttons. */
  id?: number;
  status?: 'open' | 'acked' | 'snoozed' | 'false_positive' | 'resolved';
  /** The latest verdict on it (who, what, when). */
  feedback?: { verdict: 'confirmed' | 'false_positive' | 'expected_change'; author: string; at: string };
  /** The warehouse's snooze, while one is on. */
  snooze?: { until: string; author: string };
  /** What the alert first said, when Snowflake has restated the day since. */
  was?: { actual: number; expected: number; excessCredits: number; severity: string };
  /** The day's root cause, once its queries have been attributed and the anomaly explained. */
  causes?: AnomalyCauses | null;
  /** No cause yet, but one is coming: the source provides query history and it does not cover the day yet. */
  causePending?: boolean;
}

/** The buttons on each open anomaly; the Bolt app (`snowpatrol slack`) handles them. */
export const ALERT_ACTIONS = {
  acknowledge: 'snowpatrol_acknowledge',
  snooze1: 'snowpatrol_snooze_1d',
  snooze7: 'snowpatrol_snooze_7d',
  falsePositive: 'snowpatrol_false_positive',
  expected: 'snowpatrol_expected',
} as const;

export interface AlertMessage {
  /** Fallback text for notifications and clients without blocks. */
  text: string;
  blocks: unknown[];
  /** Slack message metadata: carries the idempotency keys so a delivery can be reconciled. */
  metadata: { event_type: string; event_payload: { keys: string[] } };
}

const SEVERITY_ICON = { high: ':red_circle:', medium: ':large_orange_circle:', low: ':large_yellow_circle:' } as const;

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

/** One message for a run's new anomalies: a headline, then one section per warehouse-day. */
export function buildAlertMessage(anomalies: readonly AlertAnomaly[], keys: string[], runUrl: string): AlertMessage {
  const warehouses = new Set(anomalies.map((a) => a.warehouse));
  const high = anomalies.filter((a) => a.direction === 'spike');
  const excess = high.reduce((s, a) => s + a.excessCredits, 0);
  const currency = high.find((a) => a.currency)?.currency;
  const cost = high.every((a) => a.excessCost !== null && a.currency === currency)
    ? high.reduce((s, a) => s + (a.excessCost ?? 0), 0)
    : undefined;
  const headline =
    `${anomalies.length} Snowflake spend ${anomalies.length === 1 ? 'anomaly' : 'anomalies'} on ` +
    `${warehouses.size} ${warehouses.size === 1 ? 'warehouse' : 'warehouses'}` +
    (excess > 0 ? ` — ${fmt(excess)} credits over expected` : '') +
    (excess > 0 && cost !== undefined && currency ? ` (${money(cost, currency)})` : '');
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: headline.slice(0, 150) } },
    ...anomalies.flatMap(anomalyBlocks),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Models: ${[...new Set(anomalies.map((a) => `#${a.modelVersionId}`))].join(', ')} · <${runUrl}|Open the run in Temporal>`,
        },
      ],
    },
  ];
  return { text: headline, blocks, metadata: { event_type: 'snowpatrol_anomaly_alert', event_payload: { keys } } };
}

/** One anomaly (at most 3 blocks): its numbers, its likely cause, then its buttons while it is open, or what became of it. */
function anomalyBlocks(a: AlertAnomaly): unknown[] {
  const resolved = a.status === 'resolved';
  const headline = resolved
    ? `~*${a.warehouse}* on *${a.usageDate}*~ — no longer anomalous after the restatement`
    : `${SEVERITY_ICON[a.severity]} *${a.warehouse}* on *${a.usageDate}* — ${a.direction === 'spike' ? 'above' : 'below'} expected`;
  const numbers =
    `${resolved ? 'Now ' : 'Actual '}*${fmt(a.actual)}* credits vs expected *${fmt(a.expected)}* ` +
    `(${a.excessCredits >= 0 ? '+' : ''}${fmt(a.excessCredits)}, ${percent(a)}` +
    (a.excessCost !== null && a.currency ? `, ${money(a.excessCost, a.currency)}` : '') +
    `) · severity ${a.severity} · model #${a.modelVersionId}`;
  const was = a.was
    ? `\n_Restated by Snowflake: was ${fmt(a.was.actual)} vs ${fmt(a.was.expected)} ` +
      `(${a.was.excessCredits >= 0 ? '+' : ''}${fmt(a.was.excessCredits)}), ${a.was.severity}_`
    : '';
  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: `${headline}\n${numbers}${was}` } }];
  // A day found ordinary after all needs no explanation.
  const cause = resolved ? undefined : causeBlock(a);
  if (cause) blocks.push(cause);
  const outcome = outcomeLine(a);
  if (outcome) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: outcome }] });
  else if (a.id !== undefined && (a.status ?? 'open') === 'open') blocks.push(feedbackButtons(a.id));
  return blocks;
}

/** What someone did about the anomaly, if anything. */
function outcomeLine(a: AlertAnomaly): string | undefined {
  if (a.snooze)
    return `:zzz: ${a.warehouse} snoozed until ${a.snooze.until.slice(0, 16).replace('T', ' ')} UTC by ${who(a.snooze.author)}`;
  if (!a.feedback) return undefined;
  const said = {
    confirmed: ':white_check_mark: Acknowledged',
    false_positive: ':no_entry_sign: Marked not an anomaly',
    expected_change: ':calendar: Marked expected (planned work)',
  }[a.feedback.verdict];
  return `${said} by ${who(a.feedback.author)} at ${a.feedback.at.slice(0, 16).replace('T', ' ')} UTC`;
}

/** Slack user ids render as mentions; other authors (the CLI's) as they are. */
const who = (author: string) => (/^U[A-Z0-9]+$/.test(author) ? `<@${author}>` : author);

function feedbackButtons(id: number): unknown {
  const button = (action: string, text: string, style?: 'primary' | 'danger') => ({
    type: 'button',
    action_id: action,
    text: { type: 'plain_text', text },
    value: String(id),
    ...(style ? { style } : {}),
  });
  return {
    type: 'actions',
    block_id: `anomaly-${id}`,
    elements: [
      button(ALERT_ACTIONS.acknowledge, 'Acknowledge', 'primary'),
      button(ALERT_ACTIONS.snooze1, 'Snooze 1 day'),
      button(ALERT_ACTIONS.snooze7, 'Snooze 7 days'),
      button(ALERT_ACTIONS.falsePositive, 'Not an anomaly', 'danger'),
      button(ALERT_ACTIONS.expected, 'Expected (planned)'),
    ],
  };
}

function money(amount: number, currency: string): string {
  return amount.toLocaleString('en-US', { style: 'currency', currency, maximumFractionDigits: 0 });
}

function percent(a: AlertAnomaly): string {
  if (a.expected <= 0) return 'no spend expected';
  const pct = (a.excessCredits / a.expected) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(0)}%`;
}

/**
 * The notice a run posts when it stopped waiting for a day's data at the deadline: which accounts had not
 * published, and that the day will be re-scored when their data arrives.
 */
export function buildLateDataMessage(
  asOf: string,
  missing: readonly string[],
  key: string,
  runUrl: string,
): AlertMessage {
  const text = `Snowflake metering for ${asOf} is late for ${missing.length} account(s): ${missing.join(', ')}`;
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `Late data for ${asOf}`.slice(0, 150) } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text:
            `Snowflake had not published ${asOf} for *${missing.join('*, *')}* by the deadline, so this run went ` +
            `ahead with what exists. Anomalies on those accounts may be missing; the next runs re-load the day ` +
            `and score it when the data arrives.`,
        },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${runUrl}|Open the run in Temporal>` }] },
    ],
    metadata: { event_type: 'snowpatrol_late_data', event_payload: { keys: [key] } },
  };
}

/** What a failure alert says: the stage, the error after the retries, and where to look. */
export interface FailureNotice {
  stage: string;
  error: string;
  asOf: string;
  workflowId: string;
  key: string;
  runUrl: string;
}

/** The alert a run posts when a stage failed after its retries (what Airflow's on_failure_callback did). */
export function buildFailureMessage(notice: FailureNotice): AlertMessage {
  const text = `snowpatrol run for ${notice.asOf} failed in stage ${notice.stage}`;
  const error = notice.error.length > 2500 ? `${notice.error.slice(0, 2500)}…` : notice.error;
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `:x: ${text}`.slice(0, 150) } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `*Stage:* ${notice.stage}\n*Workflow:* \`${notice.workflowId}\`\n*Error:*\n\`\`\`${error.replace(/```/g, "'''")}\`\`\``,
        },
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `<${notice.runUrl}|Open the run in Temporal> · fix the cause, then reset or re-run the day (\`snowpatrol run --as-of ${notice.asOf}\`)`,
          },
        ],
      },
    ],
    metadata: { event_type: 'snowpatrol_failure', event_payload: { keys: [notice.key] } },
  };
}
