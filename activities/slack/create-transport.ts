/** The transport the config asks for: Slack when a bot token is set, else the outbox. */
import { Context } from '@temporalio/activity';
import type { AlertSettings } from '../../schemas/slack-config';
import { OutboxTransport } from './outbox-transport';
import { createSlackClient, SlackTransport } from './slack-transport';
import type { AlertTransport } from './transport';

export function createAlertTransport(alerts: AlertSettings, outboxDir: string): AlertTransport {
  if (!alerts.slack) return new OutboxTransport(outboxDir);
  return new SlackTransport(createSlackClient(alerts.slack.botToken, alerts.slack.apiUrl), {
    onWait: (seconds, method) => heartbeat({ waitingForSlack: method, retryAfterSeconds: seconds }),
  });
}

/** Heartbeat when called from an activity (a long Retry-After must not look like a dead worker); else nothing. */
function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Not in an activity (the Bolt app): nothing to keep alive.
  }
}
