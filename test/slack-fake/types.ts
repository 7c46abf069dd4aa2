/** Public shapes of the Slack Web API fake; see `startSlackFake` in index.ts. */

/** A conversation the fake knows. `member: false` means the bot is not in it (posting answers not_in_channel). */
export interface FakeChannel {
  id: string;
  name: string;
  member?: boolean;
}

export interface SlackFakeOptions {
  /** The only bot token the fake accepts (default 'xoxb-test-token'). */
  token?: string;
  /** Replaces the default channels (#snowpatrol-alerts, #finance-data, #not-joined). */
  channels?: FakeChannel[];
}

/** One API request as the fake saw and answered it. */
export interface RecordedCall {
  method: string;
  /** The parsed request body (plus query string); JSON-valued fields such as `blocks` are decoded. */
  args: Record<string, unknown>;
  /** Date.now() when the request arrived (before its body was read). */
  at: number;
  /** HTTP status sent, or that would have been sent when `dropped`. */
  status: number;
  ok: boolean;
  error?: string;
  /** True when a dropAfterHandling fault performed the call and then cut the connection. */
  dropped?: boolean;
}

/** A message as it stands now (after any chat.update). */
export interface FakeMessage {
  /** Channel id. */
  channel: string;
  ts: string;
  /** The parent's ts, for thread replies only. */
  threadTs?: string;
  text: string;
  blocks: unknown[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  /** How many chat.update calls changed text, blocks or metadata. */
  updates: number;
  /** The bot user id. */
  user: string;
  /** Ids of files shared with this message. */
  files?: string[];
}

/** A file created by files.getUploadURLExternal. */
export interface FakeFile {
  id: string;
  filename: string;
  title: string;
  /** The bytes POSTed to the upload URL (empty until then). */
  bytes: Buffer;
  /** Whether bytes have been POSTed to the upload URL. */
  uploaded: boolean;
  channelId?: string;
  threadTs?: string;
  /** Set by files.completeUploadExternal. */
  completed: boolean;
}

/** Faults are queued per method name and consumed, in the order queued, by the next calls of that method. */
export interface SlackFakeFaults {
  /** Answer HTTP 429 with `Retry-After: retryAfterSeconds` and {ok:false,error:'ratelimited'}, without performing the call. */
  rateLimitNext(method: string, retryAfterSeconds: number, times?: number): void;
  /** Answer HTTP 200 {ok:false,error} without performing the call. */
  failNext(method: string, error: string, times?: number): void;
  /** Perform the call (a message IS posted), then destroy the socket without answering. */
  dropAfterHandlingNext(method: string, times?: number): void;
  /**
   * Perform the call, then never answer (the socket stays open until the client gives up or the fake stops):
   * the poster is stuck between posting and learning the ts — where a test can kill it.
   */
  hangAfterHandlingNext(method: string, times?: number): void;
  /** Forget every queued fault. */
  reset(): void;
}

export interface SlackFake {
  /** Base URL for `new WebClient(token, { slackApiUrl })`, with a trailing slash. */
  apiUrl: string;
  /** The valid bot token. */
  token: string;
  /** Every API request in arrival order. */
  calls: RecordedCall[];
  /** Posted messages (top-level and replies) oldest first, optionally for one channel (id, name or '#name'). */
  messages(channel?: string): FakeMessage[];
  files: FakeFile[];
  faults: SlackFakeFaults;
  /** Afterwards every API call answers invalid_auth. */
  revokeToken(): void;
  stop(): Promise<void>;
}
