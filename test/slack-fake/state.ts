/** What the fake Slack workspace holds: channels, messages and files, with Slack's lookup rules and errors. */
import type { FakeChannel, FakeFile, FakeMessage } from './types';

/** The identity auth.test reports; every message is posted by this bot. */
export const WORKSPACE = {
  userId: 'U0SNOWBOT',
  botId: 'B0SNOWBOT',
  team: 'Acme',
  teamId: 'T0ACME',
  url: 'https://acme.slack.com/',
} as const;

export const DEFAULT_CHANNELS: readonly FakeChannel[] = [
  { id: 'C0ALERTS', name: 'snowpatrol-alerts', member: true },
  { id: 'C0FINANCE', name: 'finance-data', member: true },
  { id: 'C0NOTJOINED', name: 'not-joined', member: false },
];

/** A Slack error code, answered as HTTP 200 {ok:false,error:code}. */
export class SlackApiError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/** A message ts ('1763712000.000100') as integer microseconds, so that ts values compare as numbers. */
export function tsToMicros(ts: string): number {
  const [seconds, fraction = ''] = ts.split('.');
  const micros = Number(seconds) * 1_000_000 + Number(fraction.padEnd(6, '0').slice(0, 6));
  if (!Number.isFinite(micros)) throw new SlackApiError('invalid_ts');
  return micros;
}

function microsToTs(micros: number): string {
  return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

export interface NewMessage {
  text: string;
  blocks: unknown[];
  metadata?: FakeMessage['metadata'];
  threadTs?: string;
  files?: string[];
}

export class SlackState {
  /** All messages, oldest first (ts increases with every post). */
  readonly messages: FakeMessage[] = [];
  readonly files: FakeFile[] = [];
  private readonly channels: FakeChannel[];
  private lastMicros = 0;
  private fileCount = 0;

  constructor(channels: readonly FakeChannel[]) {
    this.channels = channels.map((c) => ({ ...c, member: c.member ?? true }));
  }

  /** The channel a reference names: an id, a name or '#name'. */
  findChannel(ref: unknown): FakeChannel | undefined {
    if (typeof ref !== 'string' || ref === '') return undefined;
    const name = ref.startsWith('#') ? ref.slice(1) : ref;
    return this.channels.find((c) => c.id === ref || c.name === name);
  }

  /** The channel, which must exist and have the bot as a member. */
  joinedChannel(ref: unknown): FakeChannel {
    const channel = this.findChannel(ref);
    if (!channel) throw new SlackApiError('channel_not_found');
    if (!channel.member) throw new SlackApiError('not_in_channel');
    return channel;
  }

  /** Every channel, in the order the fake was given them. */
  listChannels(): readonly FakeChannel[] {
    return this.channels;
  }

  findMessage(channelId: string, ts: unknown): FakeMessage | undefined {
    return this.messages.find((m) => m.channel === channelId && m.ts === ts);
  }

  /** The thread a ts belongs to: its parent followed by the replies, oldest first. */
  thread(channelId: string, ts: unknown): FakeMessage[] {
    const message = this.findMessage(channelId, ts);
    if (!message) throw new SlackApiError('thread_not_found');
    const parentTs = message.threadTs ?? message.ts;
    return this.messages.filter((m) => m.channel === channelId && (m.ts === parentTs || m.threadTs === parentTs));
  }

  post(channelId: string, input: NewMessage): FakeMessage {
    let threadTs: string | undefined;
    if (input.threadTs !== undefined) {
      const parent = this.findMessage(channelId, input.threadTs);
      if (!parent) throw new SlackApiError('thread_not_found');
      // A reply to a reply lands in the parent's thread, as in Slack.
      threadTs = parent.threadTs ?? parent.ts;
    }
    const message: FakeMessage = {
      channel: channelId,
      ts: this.nextTs(),
      text: input.text,
      blocks: input.blocks,
      updates: 0,
      user: WORKSPACE.userId,
    };
    if (threadTs !== undefined) message.threadTs = threadTs;
    if (input.metadata !== undefined) message.metadata = input.metadata;
    if (input.files !== undefined) message.files = input.files;
    this.messages.push(message);
    return message;
  }

  createFile(filename: string, title: string): FakeFile {
    this.fileCount += 1;
    const file: FakeFile = {
      id: `F0${String(this.fileCount).padStart(8, '0')}`,
      filename,
      title,
      bytes: Buffer.alloc(0),
      uploaded: false,
      completed: false,
    };
    this.files.push(file);
    return file;
  }

  findFile(id: unknown): FakeFile | undefined {
    return this.files.find((f) => f.id === id);
  }

  /** Wall-clock time in Slack's ts format, strictly increasing even within one millisecond. */
  private nextTs(): string {
    this.lastMicros = Math.max(Date.now() * 1000, this.lastMicros + 100);
    return microsToTs(this.lastMicros);
  }
}

/** A message as Slack's API renders it. `metadata` only when asked for, as with include_all_metadata. */
export function renderMessage(state: SlackState, message: FakeMessage, withMetadata: boolean): Record<string, unknown> {
  const rendered: Record<string, unknown> = {
    type: 'message',
    user: message.user,
    bot_id: WORKSPACE.botId,
    team: WORKSPACE.teamId,
    text: message.text,
    ts: message.ts,
    blocks: message.blocks,
  };
  if (message.threadTs !== undefined) {
    rendered.thread_ts = message.threadTs;
    rendered.parent_user_id = WORKSPACE.userId;
  } else {
    const replies = state.messages.filter((m) => m.channel === message.channel && m.threadTs === message.ts);
    if (replies.length > 0) {
      rendered.thread_ts = message.ts;
      rendered.reply_count = replies.length;
      rendered.reply_users = [WORKSPACE.userId];
      rendered.latest_reply = replies[replies.length - 1].ts;
    }
  }
  if (message.updates > 0) rendered.edited = { user: WORKSPACE.userId, ts: message.ts };
  if (message.files !== undefined) rendered.files = message.files.map((id) => renderFile(state.findFile(id)));
  if (withMetadata && message.metadata !== undefined) rendered.metadata = message.metadata;
  return rendered;
}

export function renderFile(file: FakeFile | undefined): Record<string, unknown> {
  if (!file) return {};
  return { id: file.id, title: file.title, name: file.filename, size: file.bytes.length };
}
