/**
 * The Slack transport: the official Web API client, with the client's own retries off — a blind retry of
 * chat.postMessage after a lost answer would post twice. Instead: 429s wait the advertised Retry-After here (up
 * to a bound) and retry, other failures are classified (slack-errors.ts) and left to the activity's retry
 * policy, and a delivery that may have posted is reconciled through `findPosted`.
 */
import { LogLevel, WebClient } from '@slack/web-api';
import type { AlertMessage } from './block-kit';
import { classifySlackError, slackConfigError, SlackUnavailableError } from './slack-errors';
import { parseSlackRef, slackRef, type AlertTransport, type ChartImage } from './transport';

export interface SlackTransportOptions {
  /** The longest Retry-After waited for inside one call; longer asks go back to the retry policy. */
  maxRateLimitWaitSeconds?: number;
  /** How many 429s one call may wait out before giving up to the retry policy. */
  maxRateLimitWaits?: number;
  /** Called while waiting out a 429, e.g. to heartbeat the activity. */
  onWait?: (seconds: number, method: string) => void;
}

/** A WebClient configured for delivery: no hidden retries, rate limits surfaced as errors, quiet logs. */
export function createSlackClient(token: string, apiUrl: string): WebClient {
  return new WebClient(token, {
    slackApiUrl: apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
    timeout: 30_000,
  });
}

interface HistoryMessage {
  ts?: string;
  bot_id?: string;
  metadata?: { event_type?: string; event_payload?: { keys?: unknown } };
}

export class SlackTransport implements AlertTransport {
  readonly kind = 'slack';
  private readonly channelIds = new Map<string, string>();

  constructor(
    private readonly client: WebClient,
    private readonly options: SlackTransportOptions = {},
  ) {}

  async post(channel: string, message: AlertMessage): Promise<string> {
    const res = await this.call('chat.postMessage', channel, () =>
      this.client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks as never,
        metadata: message.metadata as never,
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    const id = String(res.channel);
    this.channelIds.set(channel, id);
    return slackRef(id, String(res.ts));
  }

  async update(ref: string, message: AlertMessage): Promise<void> {
    const { channel, ts } = requireSlackRef(ref);
    await this.call('chat.update', channel, () =>
      this.client.chat.update({
        channel,
        ts,
        text: message.text,
        blocks: message.blocks as never,
        metadata: message.metadata as never,
      }),
    );
  }

  async findPosted(channel: string, keys: readonly string[], since: Date): Promise<Map<string, string>> {
    const id = await this.channelId(channel);
    const wanted = new Set(keys);
    const found = new Map<string, string>();
    let cursor: string | undefined;
    do {
      const page = await this.call('conversations.history', channel, () =>
        this.client.conversations.history({
          channel: id,
          oldest: (since.getTime() / 1000 - 60).toFixed(6), // a minute of slack for clock skew
          include_all_metadata: true,
          limit: 200,
          cursor,
        }),
      );
      for (const m of (page.messages ?? []) as HistoryMessage[]) {
        const carried = m.metadata?.event_payload?.keys;
        if (!m.ts || !Array.isArray(carried)) continue;
        for (const key of carried) {
          if (typeof key === 'string' && wanted.has(key) && !found.has(key)) found.set(key, slackRef(id, m.ts));
        }
      }
      cursor = page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
    } while (cursor && found.size < wanted.size);
    return found;
  }

  async attachCharts(ref: string, charts: readonly ChartImage[]): Promise<string> {
    if (charts.length === 0) return '';
    const { channel, ts } = requireSlackRef(ref);
    const res = await this.call('files.uploadV2', channel, () =>
      this.client.filesUploadV2({
        channel_id: channel,
        thread_ts: ts,
        file_uploads: charts.map((c) => ({ file: c.png, filename: c.filename, title: c.title, alt_text: c.title })),
      }),
    );
    const ids = (res.files ?? []).flatMap((f) => ((f as { files?: { id?: string }[] }).files ?? []).map((x) => x.id));
    return ids.filter((x): x is string => typeof x === 'string').join(',');
  }

  /** A channel's id: ids pass through; names are looked up once (conversations.list needs channels:read). */
  private async channelId(channel: string): Promise<string> {
    if (/^[CGD][A-Z0-9]{6,}$/.test(channel)) return channel;
    const known = this.channelIds.get(channel);
    if (known) return known;
    let cursor: string | undefined;
    do {
      const page = await this.call('conversations.list', channel, () =>
        this.client.conversations.list({
          types: 'public_channel,private_channel',
          exclude_archived: true,
          limit: 1000,
          cursor,
        }),
      );
      for (const c of page.channels ?? []) if (c.name && c.id) this.channelIds.set(c.name, c.id);
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor && !this.channelIds.has(channel));
    const id = this.channelIds.get(channel);
    if (!id) throw slackConfigError('channel_not_found', 'conversations.list', channel);
    return id;
  }

  /** One Web API call: waits out bounded 429s, classifies every other failure. */
  private async call<T>(method: string, channel: string | undefined, fn: () => Promise<T>): Promise<T> {
    const maxWait = this.options.maxRateLimitWaitSeconds ?? 60;
    const maxWaits = this.options.maxRateLimitWaits ?? 5;
    for (let waits = 0; ; waits++) {
      try {
        return await fn();
      } catch (err) {
        const classified = classifySlackError(err, method, channel);
        const retryAfter = classified instanceof SlackUnavailableError ? classified.retryAfterSeconds : undefined;
        if (retryAfter === undefined || retryAfter > maxWait || waits >= maxWaits) throw classified;
        this.options.onWait?.(retryAfter, method);
        await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
      }
    }
  }
}

function requireSlackRef(ref: string): { channel: string; ts: string } {
  const parsed = parseSlackRef(ref);
  if (!parsed) throw new Error(`not a Slack message reference: ${ref}`);
  return parsed;
}
