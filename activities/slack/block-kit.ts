/** The anomaly alert as a Slack Block Kit message (pure: same anomalies in, same message out). */

export interface AlertAnomaly {
  warehouse: string;
  usageDate: string;
  actual: number;
  expected: number;
  excessCredits: number;
  excessCost: number | null;
  currency: string | null;
  direction: 'high' | 'low';
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
  const high = anomalies.filter((a) => a.direction === 'high');
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
          `${SEVERITY_ICON[a.severity]} *${a.warehouse}* on *${a.usageDate}* — ${a.direction === 'high' ? 'above' : 'below'} expected\n` +
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
