/**
 * A test-only Slack Web API on 127.0.0.1: the calls SnowPatrol makes (auth.test, chat.*, conversations.history,
 * .replies and .list, the filesUploadV2 trio), with Slack's errors, a record of every call and injectable faults. Point the real
 * client at it with `new WebClient(fake.token, { slackApiUrl: fake.apiUrl })`.
 */
import { FaultQueue } from './faults';
import { startServer } from './server';
import { DEFAULT_CHANNELS, SlackState } from './state';
import type { FakeMessage, RecordedCall, SlackFake, SlackFakeOptions } from './types';

export type {
  FakeChannel,
  FakeFile,
  FakeMessage,
  RecordedCall,
  SlackFake,
  SlackFakeFaults,
  SlackFakeOptions,
} from './types';

/** Start a fake Slack workspace (team Acme, bot U0SNOWBOT) on an ephemeral loopback port. */
export async function startSlackFake(options: SlackFakeOptions = {}): Promise<SlackFake> {
  const token = options.token ?? 'xoxb-test-token';
  const state = new SlackState(options.channels ?? DEFAULT_CHANNELS);
  const faults = new FaultQueue();
  const calls: RecordedCall[] = [];
  let revoked = false;
  const server = await startServer({
    state,
    faults,
    calls,
    authorized: (header) => !revoked && header === `Bearer ${token}`,
  });
  let stopped: Promise<void> | undefined;
  return {
    apiUrl: `${server.origin}/api/`,
    token,
    calls,
    files: state.files,
    faults,
    messages(channel?: string): FakeMessage[] {
      let channelId: string | undefined;
      if (channel !== undefined) {
        channelId = state.findChannel(channel)?.id;
        if (channelId === undefined) throw new Error(`slack fake has no channel ${channel}`);
      }
      return state.messages
        .filter((m) => channelId === undefined || m.channel === channelId)
        .map((m) => structuredClone(m));
    },
    revokeToken(): void {
      revoked = true;
    },
    stop(): Promise<void> {
      stopped ??= server.close();
      return stopped;
    },
  };
}
