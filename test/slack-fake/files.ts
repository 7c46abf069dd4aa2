/** The two API halves of WebClient.filesUploadV2: files.getUploadURLExternal and files.completeUploadExternal. */
import { blocksArg, optionalString, requiredString, type Handler } from './args';
import { SlackApiError, renderFile } from './state';
import type { FakeFile } from './types';

/** The URL path bytes are POSTed to between the two calls; served by server.ts. */
export const UPLOAD_PATH = '/upload/';

const getUploadUrl: Handler = (args, { state, origin }) => {
  const filename = requiredString(args, 'filename');
  const length = Number(requiredString(args, 'length'));
  if (!Number.isInteger(length) || length <= 0) throw new SlackApiError('invalid_arguments');
  const file = state.createFile(filename, filename);
  return { upload_url: `${origin}${UPLOAD_PATH}${file.id}`, file_id: file.id };
};

const completeUpload: Handler = (args, { state }) => {
  const entries = args.files;
  if (!Array.isArray(entries) || entries.length === 0) throw new SlackApiError('invalid_arguments');
  const channelRef = optionalString(args, 'channel_id') ?? optionalString(args, 'channels');
  const threadTs = optionalString(args, 'thread_ts');
  if (threadTs !== undefined && channelRef === undefined) throw new SlackApiError('invalid_arguments');
  const channel = channelRef === undefined ? undefined : state.joinedChannel(channelRef);
  if (channel && threadTs !== undefined && !state.findMessage(channel.id, threadTs)) {
    throw new SlackApiError('thread_not_found');
  }
  // Validate every file before changing any, so a failed call leaves nothing half-shared.
  const files: { file: FakeFile; title?: string }[] = entries.map((entry: unknown) => {
    const { id, title } = (entry ?? {}) as { id?: unknown; title?: unknown };
    const file = state.findFile(id);
    if (!file) throw new SlackApiError('file_not_found');
    if (!file.uploaded) throw new SlackApiError('file_upload_incomplete');
    if (file.completed) throw new SlackApiError('file_already_completed');
    return { file, title: typeof title === 'string' && title !== '' ? title : undefined };
  });
  for (const { file, title } of files) {
    file.completed = true;
    if (title !== undefined) file.title = title;
    if (channel) {
      file.channelId = channel.id;
      if (threadTs !== undefined) file.threadTs = threadTs;
    }
  }
  if (channel) {
    state.post(channel.id, {
      text: optionalString(args, 'initial_comment') ?? '',
      blocks: blocksArg(args) ?? [],
      threadTs,
      files: files.map(({ file }) => file.id),
    });
  }
  return { files: files.map(({ file }) => renderFile(file)) };
};

export const fileMethods: Record<string, Handler> = {
  'files.getUploadURLExternal': getUploadUrl,
  'files.completeUploadExternal': completeUpload,
};
