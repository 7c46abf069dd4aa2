import {
  ErrorCode,
  LogLevel,
  WebClient,
  type ConversationsHistoryResponse,
  type ConversationsListResponse,
  type KnownBlock,
  type RetryOptions,
} from '@slack/web-api';
import { startSlackFake, type SlackFake } from '../slack-fake';

interface ClientOptions {
  token?: string;
  retryConfig?: RetryOptions;
  rejectRateLimitedCalls?: boolean;
}

/** A client as the product builds one, pointed at the fake; no retries unless a test asks for them. */
function clientFor(fake: SlackFake, options: ClientOptions = {}): WebClient {
  const { token = fake.token, retryConfig = { retries: 0 }, rejectRateLimitedCalls = true } = options;
  return new WebClient(token, {
    slackApiUrl: fake.apiUrl,
    retryConfig,
    rejectRateLimitedCalls,
    logLevel: LogLevel.ERROR,
  });
}

function alertBlocks(headline: string): KnownBlock[] {
  return [{ type: 'section', text: { type: 'mrkdwn', text: `*${headline}*` } }];
}

function alertMetadata(anomalyId: string) {
  return { event_type: 'snowpatrol_anomaly', event_payload: { anomaly_id: anomalyId, revision: 1 } };
}

describe('Slack Web API fake, driven by the real WebClient', () => {
  let fake: SlackFake;
  let slack: WebClient;

  beforeAll(async () => {
    fake = await startSlackFake();
    slack = clientFor(fake);
  });
  afterAll(async () => {
    await fake.stop();
  });
  afterEach(() => fake.faults.reset());

  const postedWithText = (text: string) => fake.messages().filter((m) => m.text === text);

  it('identifies the bot in auth.test', async () => {
    const auth = await slack.auth.test();
    expect(auth).toMatchObject({ ok: true, user_id: 'U0SNOWBOT', bot_id: 'B0SNOWBOT', team_id: 'T0ACME' });
  });

  it('returns a posted alert from history, with its metadata only when asked for', async () => {
    const posted = await slack.chat.postMessage({
      channel: 'C0ALERTS',
      text: 'Warehouse LOAD_WH spend is 4x normal',
      blocks: alertBlocks('LOAD_WH spend spike'),
      metadata: alertMetadata('a-1'),
      unfurl_links: false,
    });
    expect(posted).toMatchObject({ ok: true, channel: 'C0ALERTS' });
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);

    const plain = await slack.conversations.history({ channel: 'C0ALERTS', limit: 1 });
    expect(plain.messages?.[0]).toMatchObject({ ts: posted.ts, text: 'Warehouse LOAD_WH spend is 4x normal' });
    expect(plain.messages?.[0].blocks).toEqual(alertBlocks('LOAD_WH spend spike'));
    expect(plain.messages?.[0]).not.toHaveProperty('metadata');

    const withMetadata = await slack.conversations.history({
      channel: 'C0ALERTS',
      limit: 1,
      include_all_metadata: true,
    });
    expect(withMetadata.messages?.[0].metadata).toEqual(alertMetadata('a-1'));

    const call = fake.calls.find((c) => c.method === 'chat.postMessage' && c.ok);
    expect(call?.args.blocks).toEqual(alertBlocks('LOAD_WH spend spike'));
    expect(call?.args.metadata).toEqual(alertMetadata('a-1'));
  });

  it('accepts a channel by name or #name and answers with its id', async () => {
    const byName = await slack.chat.postMessage({ channel: 'finance-data', text: 'by name' });
    const byHashName = await slack.chat.postMessage({ channel: '#finance-data', text: 'by #name' });
    expect([byName.channel, byHashName.channel]).toEqual(['C0FINANCE', 'C0FINANCE']);
    expect(fake.messages('#finance-data').map((m) => m.text)).toEqual(['by name', 'by #name']);
  });

  it('lists the channels with their ids and whether the bot is a member, page by page', async () => {
    const all = await slack.conversations.list({ types: 'public_channel,private_channel', exclude_archived: true });
    expect(all.channels).toEqual([
      {
        id: 'C0ALERTS',
        name: 'snowpatrol-alerts',
        is_channel: true,
        is_member: true,
        is_private: false,
        is_archived: false,
      },
      {
        id: 'C0FINANCE',
        name: 'finance-data',
        is_channel: true,
        is_member: true,
        is_private: false,
        is_archived: false,
      },
      {
        id: 'C0NOTJOINED',
        name: 'not-joined',
        is_channel: true,
        is_member: false,
        is_private: false,
        is_archived: false,
      },
    ]);
    expect(all.response_metadata?.next_cursor).toBe('');

    const pages: string[][] = [];
    for await (const page of slack.paginate('conversations.list', { limit: 2 })) {
      pages.push(((page as ConversationsListResponse).channels ?? []).map((c) => c.name ?? ''));
    }
    expect(pages).toEqual([['snowpatrol-alerts', 'finance-data'], ['not-joined']]);
    await expect(slack.conversations.list({ cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({
      data: { error: 'invalid_cursor' },
    });
  });

  it('pages history newest first and honours exclusive and inclusive bounds', async () => {
    const ts: string[] = [];
    for (let i = 1; i <= 5; i += 1) {
      ts.push((await slack.chat.postMessage({ channel: 'C0ALERTS', text: `page test ${i}` })).ts as string);
    }
    expect([...ts].sort()).toEqual(ts);
    expect(new Set(ts).size).toBe(5);

    const pages: string[][] = [];
    for await (const page of slack.paginate('conversations.history', {
      channel: 'C0ALERTS',
      oldest: ts[0],
      inclusive: true,
      limit: 2,
    })) {
      pages.push(((page as ConversationsHistoryResponse).messages ?? []).map((m) => m.text ?? ''));
    }
    expect(pages).toEqual([['page test 5', 'page test 4'], ['page test 3', 'page test 2'], ['page test 1']]);

    const exclusive = await slack.conversations.history({ channel: 'C0ALERTS', oldest: ts[0], latest: ts[3] });
    expect(exclusive.messages?.map((m) => m.ts)).toEqual([ts[2], ts[1]]);
    expect(exclusive).toMatchObject({ has_more: false, response_metadata: { next_cursor: '' } });
    const inclusive = await slack.conversations.history({
      channel: 'C0ALERTS',
      oldest: ts[0],
      latest: ts[3],
      inclusive: true,
    });
    expect(inclusive.messages?.map((m) => m.ts)).toEqual([ts[3], ts[2], ts[1], ts[0]]);
  });

  it('replaces an alert in place with chat.update and counts the change', async () => {
    const posted = await slack.chat.postMessage({ channel: 'C0ALERTS', text: 'draft', metadata: alertMetadata('a-2') });
    const updated = await slack.chat.update({
      channel: '#snowpatrol-alerts',
      ts: posted.ts as string,
      text: 'restated',
      blocks: alertBlocks('restated'),
    });
    expect(updated).toMatchObject({ ok: true, channel: 'C0ALERTS', ts: posted.ts, text: 'restated' });

    const [stored] = fake.messages('C0ALERTS').filter((m) => m.ts === posted.ts);
    expect(stored).toMatchObject({ text: 'restated', blocks: alertBlocks('restated'), updates: 1 });
    expect(stored.metadata).toEqual(alertMetadata('a-2'));

    await expect(slack.chat.update({ channel: 'C0ALERTS', ts: '1.000001', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'message_not_found' },
    });
  });

  it('keeps thread replies out of history and returns the thread oldest first', async () => {
    const parent = await slack.chat.postMessage({ channel: 'C0FINANCE', text: 'parent alert' });
    const parentTs = parent.ts as string;
    await slack.chat.postMessage({ channel: 'C0FINANCE', thread_ts: parentTs, text: 'reply 1' });
    await slack.chat.postMessage({ channel: 'C0FINANCE', thread_ts: parentTs, text: 'reply 2' });

    const thread = await slack.conversations.replies({ channel: 'C0FINANCE', ts: parentTs });
    expect(thread.messages?.map((m) => m.text)).toEqual(['parent alert', 'reply 1', 'reply 2']);

    const history = await slack.conversations.history({ channel: 'C0FINANCE' });
    expect(history.messages?.map((m) => m.text)).not.toContain('reply 1');
    expect(history.messages?.find((m) => m.ts === parentTs)).toMatchObject({ reply_count: 2 });

    const link = await slack.chat.getPermalink({ channel: 'C0FINANCE', message_ts: parentTs });
    expect(link.permalink).toBe(`https://acme.slack.com/archives/C0FINANCE/p${parentTs.replace('.', '')}`);
  });

  it.each([
    ['not-joined', 'not_in_channel'],
    ['#no-such-channel', 'channel_not_found'],
  ])('surfaces posting to %s as a platform error %s', async (channel, error) => {
    await expect(slack.chat.postMessage({ channel, text: 'lost alert' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error },
    });
    expect(postedWithText('lost alert')).toEqual([]);
  });

  it('refuses a message with neither text nor blocks', async () => {
    await expect(slack.apiCall('chat.postMessage', { channel: 'C0ALERTS' })).rejects.toMatchObject({
      data: { error: 'no_text' },
    });
  });

  it('answers invalid_auth to a wrong token and unknown_method to a made-up method', async () => {
    const wrongToken = clientFor(fake, { token: 'xoxb-wrong' });
    await expect(wrongToken.chat.postMessage({ channel: 'C0ALERTS', text: 'wrong token' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'invalid_auth' },
    });
    expect(postedWithText('wrong token')).toEqual([]);
    await expect(slack.apiCall('chat.teleport')).rejects.toMatchObject({ data: { error: 'unknown_method' } });
  });

  it('fails the next call with an injected error, then recovers', async () => {
    fake.faults.failNext('chat.postMessage', 'internal_error');
    await expect(slack.chat.postMessage({ channel: 'C0ALERTS', text: 'after a blip' })).rejects.toMatchObject({
      data: { error: 'internal_error' },
    });
    await slack.chat.postMessage({ channel: 'C0ALERTS', text: 'after a blip' });
    expect(postedWithText('after a blip')).toHaveLength(1);
  });

  it('rate-limits with Retry-After and does not perform the call', async () => {
    fake.faults.rateLimitNext('chat.postMessage', 7);
    await expect(slack.chat.postMessage({ channel: 'C0ALERTS', text: 'throttled' })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 7,
    });
    expect(postedWithText('throttled')).toEqual([]);
    expect(fake.calls.at(-1)).toMatchObject({
      method: 'chat.postMessage',
      status: 429,
      ok: false,
      error: 'ratelimited',
    });
  });

  it('lets a client that waits out Retry-After post exactly once', async () => {
    // WebClient treats the wait as a failed attempt, so it needs one retry; minTimeout 0 adds no backoff on top.
    const patient = clientFor(fake, { retryConfig: { retries: 1, minTimeout: 0 }, rejectRateLimitedCalls: false });
    fake.faults.rateLimitNext('chat.postMessage', 1);
    const started = Date.now();
    const posted = await patient.chat.postMessage({ channel: 'C0ALERTS', text: 'waited politely' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(posted.ok).toBe(true);
    expect(postedWithText('waited politely')).toHaveLength(1);
    const attempts = fake.calls.filter((c) => c.args.text === 'waited politely').map((c) => c.status);
    expect(attempts).toEqual([429, 200]);
  });

  it('posts the message but never answers when the connection drops after handling', async () => {
    fake.faults.dropAfterHandlingNext('chat.postMessage');
    await expect(slack.chat.postMessage({ channel: 'C0ALERTS', text: 'posted in the dark' })).rejects.toMatchObject({
      code: ErrorCode.RequestError,
    });
    expect(postedWithText('posted in the dark')).toHaveLength(1);
    expect(fake.calls.at(-1)).toMatchObject({ method: 'chat.postMessage', ok: true, dropped: true });
  });

  it('stores a filesUploadV2 upload byte for byte and shows it as a thread reply', async () => {
    const parent = await slack.chat.postMessage({ channel: 'C0ALERTS', text: 'alert with chart' });
    // Bytes that would break a careless multipart parser: CR LF, dashes, NUL and high bytes.
    const bytes = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]),
      Buffer.from('\r\n--x\r\n'),
      Buffer.from([255, 254]),
    ]);

    const result = await slack.filesUploadV2({
      channel_id: 'C0ALERTS',
      thread_ts: parent.ts as string,
      file: bytes,
      filename: 'spend.png',
      title: 'Spend chart',
      initial_comment: 'Daily spend, last 30 days',
    });
    expect(result.ok).toBe(true);

    const [file] = fake.files;
    expect(file).toMatchObject({ filename: 'spend.png', title: 'Spend chart', completed: true, channelId: 'C0ALERTS' });
    expect(file.threadTs).toBe(parent.ts);
    expect(file.bytes.equals(bytes)).toBe(true);

    const thread = await slack.conversations.replies({ channel: 'C0ALERTS', ts: parent.ts as string });
    expect(thread.messages?.map((m) => m.text)).toEqual(['alert with chart', 'Daily spend, last 30 days']);
    expect(fake.messages('C0ALERTS').find((m) => m.threadTs === parent.ts)?.files).toEqual([file.id]);

    const complete = fake.calls.find((c) => c.method === 'files.completeUploadExternal');
    expect(complete?.args.files).toEqual([{ id: file.id, title: 'Spend chart' }]);
  });

  it('refuses to complete an upload it never handed out', async () => {
    await expect(slack.files.completeUploadExternal({ files: [{ id: 'F0NOPE' }] })).rejects.toMatchObject({
      data: { error: 'file_not_found' },
    });
  });
});

describe('Slack Web API fake, revoked token', () => {
  let fake: SlackFake;

  beforeAll(async () => {
    fake = await startSlackFake({ token: 'xoxb-soon-revoked' });
  });
  afterAll(async () => {
    await fake.stop();
  });

  it('answers invalid_auth to every call once the token is revoked', async () => {
    const slack = clientFor(fake);
    await expect(slack.auth.test()).resolves.toMatchObject({ ok: true });
    fake.revokeToken();
    await expect(slack.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    await expect(slack.chat.postMessage({ channel: 'C0ALERTS', text: 'too late' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'invalid_auth' },
    });
    expect(fake.messages()).toEqual([]);
  });
});
