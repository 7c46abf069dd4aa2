/**
 * What a failed Slack Web API call means for delivery: wait and retry (429 with Retry-After), retry later
 * (network, 5xx, Slack-side errors), or stop — a setting or an invitation is wrong and retrying cannot fix it;
 * the message says what to do.
 */
import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';

/** A Slack answer that only a person can fix (token, scopes, channel membership). Never retried. */
export class SlackConfigError extends Error {
  override readonly name = 'SlackConfigError';
  constructor(
    message: string,
    readonly slackError: string,
    readonly method: string,
  ) {
    super(message);
  }
}

/** A Slack answer worth retrying (network, 5xx, Slack-side trouble, rate limits beyond the in-call wait). */
export class SlackUnavailableError extends Error {
  override readonly name = 'SlackUnavailableError';
  constructor(
    message: string,
    readonly method: string,
    /** Seconds Slack asked us to wait (429 Retry-After), when it did. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** The bot scopes snowpatrol needs (docs/slack-app-manifest.json asks for these, plus `commands`). */
export const BOT_SCOPES = [
  'chat:write',
  'files:write',
  'channels:history',
  'groups:history',
  'channels:read',
  'groups:read',
] as const;
const SCOPES = BOT_SCOPES.join(', ');

/** How to fix each Slack error that retrying cannot fix. */
const FIXES: Record<string, (channel: string | undefined) => string> = {
  invalid_auth: () => 'the bot token was refused: check SLACK_BOT_TOKEN (OAuth & Permissions → Bot User OAuth Token)',
  not_authed: () => 'no bot token was sent: set SLACK_BOT_TOKEN',
  token_revoked: () => 'the bot token was revoked: reinstall the app to the workspace and update SLACK_BOT_TOKEN',
  token_expired: () => 'the bot token expired: reinstall the app and update SLACK_BOT_TOKEN',
  account_inactive: () => 'the bot user is deactivated: reinstall the app and update SLACK_BOT_TOKEN',
  missing_scope: () => `the app lacks a scope: add ${SCOPES} under OAuth & Permissions and reinstall the app`,
  not_allowed_token_type: () => 'SLACK_BOT_TOKEN must be a bot token (xoxb-…)',
  channel_not_found: (ch) =>
    `channel ${ch ?? '(unknown)'} was not found: check SLACK_CHANNEL and the routes in the config file ` +
    '(use the channel id, e.g. C0123ABCD, for private channels) and invite the bot to it',
  not_in_channel: (ch) => `the bot is not in channel ${ch ?? '(unknown)'}: invite it there with /invite @snowpatrol`,
  is_archived: (ch) => `channel ${ch ?? '(unknown)'} is archived: unarchive it or route its alerts elsewhere`,
  restricted_action: (ch) => `the workspace does not let the bot post in ${ch ?? 'this channel'}: ask an admin`,
  invalid_blocks: () =>
    'Slack rejected the message layout (invalid_blocks): this is a snowpatrol bug, please report it',
  msg_too_long: () => 'the message is too long for Slack: this is a snowpatrol bug, please report it',
};

/** Errors about one channel (membership, existence, permissions there): other channels can still be posted to. */
const CHANNEL_ERRORS = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'restricted_action']);

/** Whether `err` only concerns the channel it was about, so delivery to other channels may go on. */
export function isChannelConfigError(err: unknown): err is SlackConfigError {
  return err instanceof SlackConfigError && CHANNEL_ERRORS.has(err.slackError);
}

/** The error for a Slack answer only a person can fix, with how to fix it. */
export function slackConfigError(code: string, method: string, channel?: string): SlackConfigError {
  const fix = FIXES[code]?.(channel) ?? 'see https://api.slack.com/methods for the error code';
  return new SlackConfigError(`Slack ${method} failed with ${code}: ${fix}`, code, method);
}

/** Turn a WebClient failure into SlackConfigError (do not retry) or SlackUnavailableError (retry). */
export function classifySlackError(err: unknown, method: string, channel?: string): Error {
  if (err instanceof WebAPIRateLimitedError) {
    return new SlackUnavailableError(
      `Slack rate-limited ${method}: retry after ${err.retryAfter} s`,
      method,
      err.retryAfter,
    );
  }
  if (err instanceof WebAPIPlatformError) {
    const code = err.data.error;
    return FIXES[code]
      ? slackConfigError(code, method, channel)
      : new SlackUnavailableError(`Slack ${method} failed with ${code}`, method);
  }
  if (err instanceof WebAPIHTTPError) {
    return new SlackUnavailableError(`Slack ${method} answered HTTP ${err.statusCode} ${err.statusMessage}`, method);
  }
  if (err instanceof WebAPIRequestError) {
    return new SlackUnavailableError(`Slack ${method} could not be reached: ${err.original.message}`, method);
  }
  return err instanceof Error ? err : new Error(String(err));
}
