/**
 * Where alert messages go. `slack` posts through the Web API; `outbox` writes the same Block Kit JSON and chart
 * PNGs to files (no token configured). Delivery logic (claim → reconcile → post → record) is written once
 * against this interface.
 */
import type { AlertMessage } from './block-kit';

/** A chart image to attach to a posted message. */
export interface ChartImage {
  filename: string;
  title: string;
  png: Buffer;
}

export interface AlertTransport {
  readonly kind: 'slack' | 'outbox';
  /** Post a message; returns its reference (`slack:<channel id>:<ts>`, or the outbox file). */
  post(channel: string, message: AlertMessage, label: string): Promise<string>;
  /** Replace a posted message's content in place (Slack chat.update). */
  update(ref: string, message: AlertMessage): Promise<void>;
  /**
   * Messages this app posted to `channel` since `since` whose metadata carries any of `keys`: key → reference.
   * This is how a delivery that crashed between posting and recording is reconciled instead of posted twice.
   */
  findPosted(channel: string, keys: readonly string[], since: Date): Promise<Map<string, string>>;
  /** Attach chart images to a posted message (a thread reply in Slack; PNG files beside the JSON in the outbox). */
  attachCharts(ref: string, charts: readonly ChartImage[]): Promise<string>;
}

/** The idempotency keys a message carries in its metadata. */
export function messageKeys(message: Pick<AlertMessage, 'metadata'>): string[] {
  const keys = message.metadata.event_payload.keys;
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
}

/** `slack:C0123:1763712000.000100` → channel and ts; undefined for an outbox reference. */
export function parseSlackRef(ref: string): { channel: string; ts: string } | undefined {
  const m = /^slack:([^:]+):(\d+\.\d+)$/.exec(ref);
  return m ? { channel: m[1], ts: m[2] } : undefined;
}

export function slackRef(channel: string, ts: string): string {
  return `slack:${channel}:${ts}`;
}
