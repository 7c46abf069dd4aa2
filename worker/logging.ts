/**
 * Logs of the worker and long-running commands: one JSON object per line (`time`, `level`, `message`, then the
 * entry's metadata — workflowId, activityType, taskQueue, …) when SNOWPATROL_LOG_JSON is on, else human text.
 * Every string that goes out is masked: the configured secrets wherever they appear, URL credentials, Slack tokens
 * and the values of secret-named keys.
 */
import { inspect } from 'node:util';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/** Where the SDK keeps an entry's own time (nanoseconds since the epoch); `LogTimestamp` in @temporalio/worker. */
const LOG_TIMESTAMP = Symbol.for('log_timestamp');

/** Keys whose values are secrets whatever they hold. */
const SECRET_KEY = /token|secret|password|passphrase|api_?key|authorization|credential/i;

/** Keys a metadata field may not overwrite in a JSON line. */
const RESERVED = new Set(['time', 'level', 'message']);

export interface LogOptions {
  /** One JSON object per line instead of text. */
  json: boolean;
  /** The lowest level written (default INFO). */
  level?: LogLevel;
  /** Values masked wherever they appear (tokens, passwords, the Temporal API key). */
  secrets?: readonly string[];
  /** Where each line goes, newline included (default: stderr). */
  write?: (line: string) => void;
}

/** Masks secrets in a string: the given values, `scheme://user:password@` credentials and Slack tokens. */
export function createRedactor(secrets: readonly string[] = []): (text: string) => string {
  const values = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of values) out = out.split(secret).join('***');
    return out
      .replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]+@/gi, '$1:***@')
      .replace(/\b(xox[abeoprs]|xapp)-[A-Za-z0-9-]+/g, '$1-***');
  };
}

/** `value` made JSON-safe and masked: errors keep name, message and stack; bigints become strings; no cycles. */
export function toLogValue(value: unknown, redact: (text: string) => string, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redact(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (typeof value !== 'object') return undefined; // functions, symbols, undefined
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
    if (Array.isArray(value)) return value.map((v) => toLogValue(v, redact, seen) ?? null);
    const out: Record<string, unknown> = {};
    if (value instanceof Error) {
      out.name = value.name;
      out.message = redact(value.message);
      if (value.stack) out.stack = redact(value.stack);
      if (value.cause !== undefined) out.cause = toLogValue(value.cause, redact, seen);
    }
    for (const [key, v] of Object.entries(value)) {
      if (SECRET_KEY.test(key) && v !== undefined && v !== null && v !== '') out[key] = '***';
      else {
        const safe = toLogValue(v, redact, seen);
        if (safe !== undefined) out[key] = safe;
      }
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** One log line (newline included): a JSON object, or `time [LEVEL] message {meta}`. */
export function formatLogLine(
  entry: { level: LogLevel; message: string; meta?: LogMetadata; time: Date },
  json: boolean,
  redact: (text: string) => string,
): string {
  const meta = entry.meta ? (toLogValue(entry.meta, redact) as Record<string, unknown>) : {};
  const message = redact(entry.message);
  const time = entry.time.toISOString();
  if (json) {
    const fields: Record<string, unknown> = { time, level: entry.level, message };
    for (const [key, value] of Object.entries(meta)) fields[RESERVED.has(key) ? `meta_${key}` : key] = value;
    return `${JSON.stringify(fields)}\n`;
  }
  const rest = Object.keys(meta).length > 0 ? ` ${inspect(meta, { depth: 6, breakLength: Infinity })}` : '';
  return `${time} [${entry.level}] ${message}${rest}\n`;
}

/**
 * A logger for the Temporal Runtime (worker, workflow and activity logs, and Core's when forwarded) and for
 * long-running commands.
 */
export class StructuredLogger implements Logger {
  private readonly severity: number;
  private readonly redact: (text: string) => string;
  private readonly write: (line: string) => void;

  constructor(private readonly options: LogOptions) {
    this.severity = LEVELS.indexOf(options.level ?? 'INFO');
    this.redact = createRedactor(options.secrets);
    this.write = options.write ?? ((line) => process.stderr.write(line));
  }

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (LEVELS.indexOf(level) < this.severity) return;
    const nanos: unknown = meta?.[LOG_TIMESTAMP];
    const time = typeof nanos === 'bigint' ? new Date(Number(nanos / 1_000_000n)) : new Date();
    const fields = meta && Object.keys(meta).length > 0 ? meta : undefined;
    this.write(formatLogLine({ level, message, meta: fields, time }, this.options.json, this.redact));
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }

  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }

  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }

  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }

  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * The progress log of a long-running command (`worker`, `slack`): a JSON INFO entry per line in JSON mode, else
 * the line as it is (masked) on stderr, as every other command prints progress.
 */
export function progressLog(options: LogOptions): (line: string, meta?: LogMetadata) => void {
  if (options.json) {
    const logger = new StructuredLogger({ ...options, level: 'TRACE' });
    return (line, meta) => logger.info(line, meta);
  }
  const redact = createRedactor(options.secrets);
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  return (line) => write(`${redact(line)}\n`);
}

/**
 * In JSON mode, Node's own warnings (deprecations, experimental features) would be the only text lines on stderr:
 * send them through `logger` instead.
 */
export function logProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error & { code?: string }) =>
    logger.warn(warning.message, { warning: warning.name, ...(warning.code !== undefined && { code: warning.code }) }),
  );
}
