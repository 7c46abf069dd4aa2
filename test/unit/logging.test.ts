/**
 * Worker and long-running command logs: with SNOWPATROL_LOG_JSON each entry is one JSON object per line that a log
 * pipeline can parse (time, level, message, then the SDK's metadata: workflowId, activityType, …); otherwise
 * readable text. Either way no secret from the config leaves the process.
 */
import path from 'node:path';
import { configSecrets, loadConfig } from '../../schemas/config';
import { createRedactor, progressLog, StructuredLogger } from '../../worker/logging';
import { tempDir } from '../fixtures/temp-dir';

/** A logger writing into an array, one element per line. */
function capture(options: {
  json: boolean;
  level?: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  secrets?: string[];
}) {
  const lines: string[] = [];
  const logger = new StructuredLogger({ ...options, write: (line) => lines.push(line) });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** What the SDK passes with an activity's log entries. */
const ACTIVITY_META = {
  sdkComponent: 'activity',
  namespace: 'default',
  taskQueue: 'snowpatrol',
  workflowId: 'snowpatrol-notify-2026-03-01',
  workflowType: 'notifyAnomalies',
  activityId: '1',
  activityType: 'listUnnotifiedAnomalies',
  attempt: 1,
};

describe('JSON logs', () => {
  it('write one parseable object per line: time, level, message, and the metadata as fields', () => {
    const { logger, lines, parsed } = capture({ json: true });
    logger.info('Activity completed', { ...ACTIVITY_META, durationMs: 12 });
    logger.warn('Worker state changed', { sdkComponent: 'worker', state: 'DRAINING' });
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    const [first, second] = parsed();
    expect(first).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'INFO',
      message: 'Activity completed',
      ...ACTIVITY_META,
      durationMs: 12,
    });
    expect(second).toMatchObject({ level: 'WARN', message: 'Worker state changed', state: 'DRAINING' });
  });

  it("use the entry's own time when the SDK gives one (Core logs arrive up to 100 ms late)", () => {
    const { logger, parsed } = capture({ json: true });
    const at = Date.UTC(2026, 2, 1, 7, 0, 0, 123);
    logger.info('from core', { [Symbol.for('log_timestamp')]: BigInt(at) * 1_000_000n, target: 'temporal_sdk_core' });
    expect(parsed()[0]).toEqual({
      time: '2026-03-01T07:00:00.123Z',
      level: 'INFO',
      message: 'from core',
      target: 'temporal_sdk_core',
    });
  });

  it('drop entries below the level', () => {
    const { logger, parsed } = capture({ json: true, level: 'WARN' });
    logger.debug('noise');
    logger.info('noise');
    logger.warn('kept');
    logger.error('kept too');
    expect(parsed().map((e) => e.level)).toEqual(['WARN', 'ERROR']);
  });

  it('turn errors, bigints and cycles into JSON instead of failing or printing {}', () => {
    const { logger, parsed } = capture({ json: true });
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432', { cause: new Error('socket') }), {
      code: 'ECONNREFUSED',
    });
    logger.error('Activity failed', { error, bytes: 10n, cyclic, when: new Date(0), fn: () => 1 });
    const [entry] = parsed();
    expect(entry.error).toMatchObject({
      name: 'Error',
      message: 'connect ECONNREFUSED 127.0.0.1:5432',
      code: 'ECONNREFUSED',
      stack: expect.stringContaining('Error: connect ECONNREFUSED'),
      cause: { name: 'Error', message: 'socket' },
    });
    expect(entry.bytes).toBe('10');
    expect(entry.cyclic).toEqual({ name: 'loop', self: '[Circular]' });
    expect(entry.when).toBe('1970-01-01T00:00:00.000Z');
    expect(entry).not.toHaveProperty('fn');
  });

  it('keep time, level and message even when the metadata has fields of those names', () => {
    const { logger, parsed } = capture({ json: true });
    logger.info('real message', { message: 'meta message', level: 7 });
    expect(parsed()[0]).toMatchObject({
      message: 'real message',
      level: 'INFO',
      meta_message: 'meta message',
      meta_level: 7,
    });
  });
});

describe('secrets never reach a log line', () => {
  const SECRET = 'hunter2-"quoted"\\pw';

  it('configured secrets are masked in messages, metadata and error stacks, and the line stays valid JSON', () => {
    const { logger, lines, parsed } = capture({ json: true, secrets: [SECRET] });
    logger.error(`login failed with ${SECRET}`, {
      detail: { note: `pw=${SECRET}` },
      error: new Error(`bad ${SECRET}`),
    });
    expect(lines.join('')).not.toContain('hunter2');
    const [entry] = parsed();
    expect(entry.message).toBe('login failed with ***');
    expect(entry.detail).toEqual({ note: 'pw=***' });
    expect((entry.error as { message: string }).message).toBe('bad ***');
  });

  it('URL credentials, Slack tokens and secret-named fields are masked without being configured', () => {
    const { logger, parsed } = capture({ json: true });
    logger.warn('cannot reach postgres://snow:s3cr3t@db.internal:5432/snowpatrol', {
      token: 'xoxb-1111-2222-abcdef',
      note: 'posting with xoxb-1111-2222-abcdef failed',
      apiKey: 'k',
      password: 'p',
    });
    const [entry] = parsed();
    expect(entry.message).toBe('cannot reach postgres://snow:***@db.internal:5432/snowpatrol');
    expect(entry).toMatchObject({ token: '***', note: 'posting with xoxb-*** failed', apiKey: '***', password: '***' });
  });

  it('the secrets of a loaded config: API key, Slack tokens, Snowflake password and the database password', () => {
    const config = loadConfig(
      {
        TEMPORAL_ADDRESS: 'a.tmprl.cloud:7233',
        TEMPORAL_API_KEY: 'temporal-api-key-123',
        SLACK_BOT_TOKEN: 'xoxb-1-2-slacksecret',
        SLACK_CHANNEL: 'C0123',
        SLACK_SIGNING_SECRET: 'signing-secret-456',
        SNOWFLAKE_ACCOUNT: 'myorg-acct',
        SNOWFLAKE_USER: 'SNOWPATROL',
        SNOWFLAKE_PASSWORD: 'snowflake-pw-789',
        DATABASE_URL: 'postgres://snow:db%40pw-000@db.internal/snowpatrol',
      },
      tempDir(),
    );
    const redact = createRedactor(configSecrets(config));
    const text = [
      'temporal-api-key-123',
      'xoxb-1-2-slacksecret',
      'signing-secret-456',
      'snowflake-pw-789',
      'db@pw-000',
      'db%40pw-000',
    ].join(' ');
    expect(redact(text)).toBe('*** *** *** *** *** ***');
  });
});

describe('text logs', () => {
  it('are one readable line per entry: time [LEVEL] message {metadata}, masked', () => {
    const { logger, lines } = capture({ json: false, secrets: ['hunter2'] });
    logger.info('Activity completed', { activityType: 'listUnnotifiedAnomalies', password: 'hunter2' });
    expect(lines).toEqual([
      expect.stringMatching(
        /^\d{4}-\d\d-\d\dT[\d:.]+Z \[INFO\] Activity completed \{ activityType: 'listUnnotifiedAnomalies', password: '\*\*\*' \}\n$/,
      ),
    ]);
  });
});

describe('progress of long-running commands', () => {
  it('in JSON mode, each line is an INFO entry with its fields', () => {
    const lines: string[] = [];
    const log = progressLog({ json: true, secrets: ['s3cr3t'], write: (l) => lines.push(l) });
    log('snowpatrol worker started', { temporal: 'a.tmprl.cloud:7233', database: 'postgres://u:s3cr3t@h/db' });
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'INFO',
      message: 'snowpatrol worker started',
      temporal: 'a.tmprl.cloud:7233',
      database: 'postgres://u:***@h/db',
    });
  });

  it('in text mode, the line as it is (masked), as every command prints progress', () => {
    const lines: string[] = [];
    const log = progressLog({ json: false, secrets: ['s3cr3t'], write: (l) => lines.push(l) });
    log(`Temporal: ${path.join('a', 'b')} with s3cr3t`);
    expect(lines).toEqual([`Temporal: ${path.join('a', 'b')} with ***\n`]);
  });
});
