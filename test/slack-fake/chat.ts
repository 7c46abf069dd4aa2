/** auth.test and the chat.* methods. */
import { blocksArg, metadataArg, optionalString, requiredString, type Handler } from './args';
import { SlackApiError, WORKSPACE, renderMessage } from './state';

const authTest: Handler = () => ({
  url: WORKSPACE.url,
  team: WORKSPACE.team,
  team_id: WORKSPACE.teamId,
  user: 'snowpatrol',
  user_id: WORKSPACE.userId,
  bot_id: WORKSPACE.botId,
});

const postMessage: Handler = (args, { state }) => {
  const channel = state.joinedChannel(args.channel);
  const text = optionalString(args, 'text');
  const blocks = blocksArg(args);
  if (text === undefined && (blocks === undefined || blocks.length === 0)) throw new SlackApiError('no_text');
  const message = state.post(channel.id, {
    text: text ?? '',
    blocks: blocks ?? [],
    metadata: metadataArg(args),
    threadTs: optionalString(args, 'thread_ts'),
  });
  return { channel: channel.id, ts: message.ts, message: renderMessage(state, message, true) };
};

const update: Handler = (args, { state }) => {
  const channel = state.joinedChannel(args.channel);
  const message = state.findMessage(channel.id, requiredString(args, 'ts'));
  if (!message) throw new SlackApiError('message_not_found');
  const text = optionalString(args, 'text');
  const blocks = blocksArg(args);
  const metadata = metadataArg(args);
  if (text === undefined && blocks === undefined) throw new SlackApiError('no_text');
  const before = JSON.stringify([message.text, message.blocks, message.metadata]);
  if (text !== undefined) message.text = text;
  if (blocks !== undefined) message.blocks = blocks;
  if (metadata !== undefined) message.metadata = metadata;
  if (JSON.stringify([message.text, message.blocks, message.metadata]) !== before) message.updates += 1;
  return { channel: channel.id, ts: message.ts, text: message.text, message: renderMessage(state, message, true) };
};

const getPermalink: Handler = (args, { state }) => {
  const channel = state.findChannel(args.channel);
  if (!channel) throw new SlackApiError('channel_not_found');
  const message = state.findMessage(channel.id, requiredString(args, 'message_ts'));
  if (!message) throw new SlackApiError('message_not_found');
  const base = `${WORKSPACE.url}archives/${channel.id}/p${message.ts.replace('.', '')}`;
  const permalink = message.threadTs ? `${base}?thread_ts=${message.threadTs}&cid=${channel.id}` : base;
  return { channel: channel.id, permalink };
};

export const chatMethods: Record<string, Handler> = {
  'auth.test': authTest,
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.getPermalink': getPermalink,
};
