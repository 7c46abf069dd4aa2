/** The anomaly alert as a Slack Block Kit message (pure: same anomalies in, same message out). */

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
}

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
    ...anomalies.map((a) => ({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          `${SEVERITY_ICON[a.severity]} *${a.warehouse}* on *${a.usageDate}* — ${a.direction === 'spike' ? 'above' : 'below'} expected\n` +
          `Actual *${fmt(a.actual)}* credits vs expected *${fmt(a.expected)}* ` +
          `(${a.excessCredits >= 0 ? '+' : ''}${fmt(a.excessCredits)}, ${percent(a)}` +
          (a.excessCost !== null && a.currency ? `, ${money(a.excessCost, a.currency)}` : '') +
          `) · severity ${a.severity}`,
      },
    })),
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

/** One restated alert: the anomaly as it is now and what its alert said. */
export interface RestatedAlert {
  anomaly: AlertAnomaly & { status: string };
  before: { actual: number; expected: number; excessCredits: number; severity: string };
}

/**
 * The update of alerts already sent, after Snowflake restated their days (late or corrected metering): the
 * Slack transport edits the original messages (chat.update) with it; the outbox keeps it next to them.
 */
export function buildAlertUpdateMessage(items: readonly RestatedAlert[], keys: string[], runUrl: string): AlertMessage {
  const text = `Updated ${items.length} Snowflake spend ${items.length === 1 ? 'alert' : 'alerts'}: the metering was restated`;
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: text.slice(0, 150) } },
      ...items.map(({ anomaly: a, before: b }) => ({
        type: 'section',
        text: {
          type: 'mrkdwn',
          text:
            a.status === 'resolved'
              ? `~*${a.warehouse}* on *${a.usageDate}*~ — no longer anomalous after the restatement ` +
                `(now ${fmt(a.actual)} credits vs ${fmt(a.expected)} expected)`
              : `${SEVERITY_ICON[a.severity]} *${a.warehouse}* on *${a.usageDate}* — now *${fmt(a.actual)}* credits vs ` +
                `*${fmt(a.expected)}* expected (${a.excessCredits >= 0 ? '+' : ''}${fmt(a.excessCredits)}) · severity ${a.severity}\n` +
                `_was ${fmt(b.actual)} vs ${fmt(b.expected)} (${b.excessCredits >= 0 ? '+' : ''}${fmt(b.excessCredits)}), ${b.severity}_`,
        },
      })),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${runUrl}|Open the run in Temporal>` }] },
    ],
    metadata: { event_type: 'snowpatrol_anomaly_alert_update', event_payload: { keys } },
  };
}
