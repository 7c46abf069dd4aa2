/** conversations.history, .replies and .list, with Slack's bounds and cursor pagination. */
import { flag, limit, optionalString, requiredString, type Args, type Handler } from './args';
import { SlackApiError, renderMessage, tsToMicros, type SlackState } from './state';
import type { FakeMessage } from './types';

/** Slack's oldest/latest window: exclusive unless `inclusive` is set; no upper bound unless `latest` is given. */
function inWindow(args: Args): (message: FakeMessage) => boolean {
  const oldest = tsToMicros(optionalString(args, 'oldest') ?? '0');
  const latestArg = optionalString(args, 'latest');
  const latest = latestArg === undefined ? Number.POSITIVE_INFINITY : tsToMicros(latestArg);
  const inclusive = flag(args, 'inclusive');
  return (message) => {
    const ts = tsToMicros(message.ts);
    return inclusive ? ts >= oldest && ts <= latest : ts > oldest && ts < latest;
  };
}

const encodeCursor = (ts: string): string => Buffer.from(`after:${ts}`).toString('base64');

/** One page of `ordered`, starting after the message the cursor names. */
function page(state: SlackState, ordered: FakeMessage[], args: Args, defaultLimit: number): Record<string, unknown> {
  let start = 0;
  const cursor = optionalString(args, 'cursor');
  if (cursor !== undefined) {
    const decoded = Buffer.from(cursor, 'base64').toString('utf8');
    const index = decoded.startsWith('after:') ? ordered.findIndex((m) => m.ts === decoded.slice(6)) : -1;
    if (index === -1) throw new SlackApiError('invalid_cursor');
    start = index + 1;
  }
  const pageSize = limit(args, 'limit', defaultLimit, 999);
  const slice = ordered.slice(start, start + pageSize);
  const hasMore = start + pageSize < ordered.length;
  const withMetadata = flag(args, 'include_all_metadata');
  return {
    messages: slice.map((m) => renderMessage(state, m, withMetadata)),
    has_more: hasMore,
    response_metadata: { next_cursor: hasMore ? encodeCursor(slice[slice.length - 1].ts) : '' },
  };
}

const history: Handler = (args, { state }) => {
  const channel = state.joinedChannel(args.channel);
  const keep = inWindow(args);
  const newestFirst = state.messages
    .filter((m) => m.channel === channel.id && m.threadTs === undefined && keep(m))
    .reverse();
  return { ...page(state, newestFirst, args, 100), pin_count: 0 };
};

const replies: Handler = (args, { state }) => {
  const channel = state.joinedChannel(args.channel);
  const keep = inWindow(args);
  const thread = state.thread(channel.id, requiredString(args, 'ts'));
  // The parent always heads the thread, whatever the window.
  const [parent, ...rest] = thread;
  return page(state, [parent, ...rest.filter(keep)], args, 1000);
};

/**
 * The workspace's channels, in the fake's order, paged by `limit` (Slack's cap 1000) and `cursor`. The fake's
 * channels are all public and unarchived, so `types` and `exclude_archived` never narrow the answer.
 */
const list: Handler = (args, { state }) => {
  const channels = state.listChannels();
  let start = 0;
  const cursor = optionalString(args, 'cursor');
  if (cursor !== undefined) {
    const decoded = Buffer.from(cursor, 'base64').toString('utf8');
    const index = decoded.startsWith('after:') ? channels.findIndex((c) => c.id === decoded.slice(6)) : -1;
    if (index === -1) throw new SlackApiError('invalid_cursor');
    start = index + 1;
  }
  const pageSize = limit(args, 'limit', 100, 1000);
  const slice = channels.slice(start, start + pageSize);
  const hasMore = start + pageSize < channels.length;
  return {
    channels: slice.map((c) => ({
      id: c.id,
      name: c.name,
      is_channel: true,
      is_member: c.member !== false,
      is_private: false,
      is_archived: false,
    })),
    response_metadata: {
      next_cursor: hasMore ? Buffer.from(`after:${slice[slice.length - 1].id}`).toString('base64') : '',
    },
  };
};

export const conversationMethods: Record<string, Handler> = {
  'conversations.history': history,
  'conversations.replies': replies,
  'conversations.list': list,
};
