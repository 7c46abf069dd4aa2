/**
 * Runtime configuration from the environment: one zod schema, parsed when `loadConfig` is called (never at
 * import time), reporting every problem at once and never echoing secret values.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseDetectionSettings, type DetectionSettings } from './detection-config';
import { sourceSpec } from './inputs';
import { parseScheduleSettings, type ScheduleSettings } from './schedule-config';
import { parseAlertSettings, readConfigFile, type AlertSettings } from './slack-config';
import {
  parsePriceSettings,
  parseSnowflakeSettings,
  type PriceSettings,
  type SnowflakeSettings,
} from './snowflake-config';
import { parseTemporalConnection, temporalSecrets, type TemporalConnectionSettings } from './temporal-connection';

const bool = () =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return undefined;
      const v = value.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      ctx.addIssue({ code: 'custom', message: `must be true or false, got "${value}"` });
      return z.NEVER;
    });

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) {
        ctx.addIssue({ code: 'custom', message: `must be a positive whole number, got "${value}"` });
        return z.NEVER;
      }
      return n;
    });

/** A TCP port; `fallback` when unset. */
const port = <F extends number | undefined>(fallback: F) =>
  z
    .string()
    .optional()
    .transform((value, ctx): number | F => {
      if (value === undefined || value.trim() === '') return fallback;
      const n = Number(value);
      if (!/^\d+$/.test(value.trim()) || n < 1 || n > 65535) {
        ctx.addIssue({ code: 'custom', message: `must be a port number from 1 to 65535, got "${value}"` });
        return z.NEVER;
      }
      return n;
    });

/**
 * A postgres:// URL the driver can use: it must parse, with a host (or a `?host=` socket directory). The value is
 * never echoed: it may hold the password.
 */
const databaseUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, { message: 'must start with postgres:// or postgresql://' })
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return url.hostname !== '' || url.searchParams.has('host');
      } catch {
        return false;
      }
    },
    { message: 'is not a valid URL; expected postgres://USER:PASSWORD@HOST:PORT/DATABASE' },
  );

const envSchema = z.object({
  SNOWPATROL_HOME: optionalText,
  SNOWPATROL_SOURCE: z.preprocess((v) => (v === '' ? undefined : v), sourceSpec.optional()),
  SNOWPATROL_DEMO_SEED: positiveInt(42),
  SNOWPATROL_WEB_UI_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
  SNOWPATROL_OUTBOX_DIR: optionalText,
  SNOWPATROL_MAX_CONCURRENT_ACTIVITIES: positiveInt(4),
  SNOWPATROL_LOG_JSON: bool(),
  SNOWPATROL_METRICS_PORT: port(undefined),
  SNOWPATROL_DEV_SERVER_PORT: port(7233),
  SNOWPATROL_DEV_SERVER_UI_PORT: port(8233),
  SNOWPATROL_CONFIG: optionalText,
  TEMPORAL_CLI_PATH: optionalText,
  DATABASE_URL: z.preprocess((v) => (v === '' ? undefined : v), databaseUrl.optional()),
});

/** Validated runtime settings. Credentials (e.g. in DATABASE_URL) are kept out of `describeConfig`. */
export interface Config {
  /** Directory for embedded state: dev-server SQLite, PGlite data, outbox, cached CLI. */
  home: string;
  source: string;
  demoSeed: number;
  webUiUrl: string;
  outboxDir: string;
  maxConcurrentActivities: number;
  /** Logs as JSON lines (SDK runtime logger, and progress of long-running commands) instead of text. */
  logJson: boolean;
  /** `snowpatrol worker` serves Prometheus metrics on 0.0.0.0:<port> when set. */
  metricsPort: number | undefined;
  /**
   * Where Temporal is and how to connect (address, namespace, TLS, API key; from TEMPORAL_* and/or a profile of
   * a Temporal config file); `address` unset means the embedded dev server.
   */
  temporal: TemporalConnectionSettings & {
    cliPath: string | undefined;
    /** Ports of the embedded dev server (used when `address` is unset). */
    devPort: number;
    devUiPort: number;
  };
  databaseUrl: string | undefined;
  /** Snowflake connection, when SNOWFLAKE_* settings are present. */
  snowflake: SnowflakeSettings | undefined;
  prices: PriceSettings;
  schedules: ScheduleSettings;
  detection: DetectionSettings;
  /** Where alerts go: Slack when SLACK_BOT_TOKEN is set, else the outbox; channel routes from the config file. */
  alerts: AlertSettings;
}

/** Raised when the environment is invalid; lists every problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Parse the environment (default `process.env`) into a `Config`, or throw `ConfigError` naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Config {
  const parsed = envSchema.safeParse(env);
  const snowflake = parseSnowflakeSettings(env, cwd);
  const prices = parsePriceSettings(env);
  const schedules = parseScheduleSettings(env);
  const detection = parseDetectionSettings(env);
  const file = readConfigFile(env, cwd);
  const alerts = parseAlertSettings(env, file.file);
  const temporal = parseTemporalConnection(env, cwd);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)),
    ...temporal.problems,
    ...snowflake.problems,
    ...prices.problems,
    ...schedules.problems,
    ...detection.problems,
    ...file.problems,
    ...alerts.problems,
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const home = path.resolve(cwd, e.SNOWPATROL_HOME ?? '.snowpatrol');
  return {
    home,
    source: e.SNOWPATROL_SOURCE ?? (snowflake.settings ? 'snowflake' : 'demo'),
    demoSeed: e.SNOWPATROL_DEMO_SEED,
    webUiUrl: (e.SNOWPATROL_WEB_UI_URL ?? `http://localhost:${e.SNOWPATROL_DEV_SERVER_UI_PORT}`).replace(/\/$/, ''),
    outboxDir: path.resolve(cwd, e.SNOWPATROL_OUTBOX_DIR ?? path.join(home, 'outbox')),
    maxConcurrentActivities: e.SNOWPATROL_MAX_CONCURRENT_ACTIVITIES,
    logJson: e.SNOWPATROL_LOG_JSON ?? false,
    metricsPort: e.SNOWPATROL_METRICS_PORT,
    temporal: {
      ...temporal.settings,
      cliPath: e.TEMPORAL_CLI_PATH,
      devPort: e.SNOWPATROL_DEV_SERVER_PORT,
      devUiPort: e.SNOWPATROL_DEV_SERVER_UI_PORT,
    },
    databaseUrl: e.DATABASE_URL,
    snowflake: snowflake.settings,
    prices: prices.settings,
    schedules: schedules.settings,
    detection: detection.settings,
    alerts: alerts.settings,
  };
}

/** A log-safe summary: where things are, never credentials. */
export function describeConfig(config: Config): Record<string, string> {
  return {
    temporal: config.temporal.address ?? 'embedded dev server',
    namespace: config.temporal.namespace,
    temporalSecurity: config.temporal.security,
    ...(config.temporal.profileName !== undefined && {
      temporalProfile: `${config.temporal.profileName} (${config.temporal.configFile})`,
    }),
    database: config.databaseUrl ? redactUrl(config.databaseUrl) : `PGlite (${path.join(config.home, 'pglite')})`,
    source: config.source,
    snowflake: config.snowflake
      ? `${config.snowflake.user}@${config.snowflake.account} (${config.snowflake.auth.kind}, ${config.snowflake.usageSchema})`
      : 'not configured',
    alerts: config.alerts.slack
      ? `Slack (default channel ${config.alerts.channel}, ${config.alerts.routes.length} route(s))`
      : `outbox (${config.outboxDir})`,
  };
}

/** Every secret value in the config (tokens, passwords, the API key), so logs can mask them wherever they appear. */
export function configSecrets(config: Config): string[] {
  const secrets = [...temporalSecrets(config.temporal)];
  const slack = config.alerts.slack;
  if (slack) secrets.push(slack.botToken, ...[slack.signingSecret, slack.appToken].filter((s) => s !== undefined));
  const auth = config.snowflake?.auth;
  if (auth?.kind === 'password') secrets.push(auth.password);
  if (auth?.kind === 'key-pair' && auth.passphrase !== undefined) secrets.push(auth.passphrase);
  if (config.databaseUrl) {
    try {
      const password = new URL(config.databaseUrl).password;
      if (password) secrets.push(password, decodeURIComponent(password));
    } catch {
      // not a URL: redactUrl shows none of it anyway
    }
  }
  return [...new Set(secrets.filter((s) => s.length >= 4))];
}

/**
 * `postgres://user:secret@host/db` → `postgres://user:***@host/db`. Parsed with the WHATWG URL parser, which
 * splits credentials at the last `@` exactly as the driver does, so no part of a password survives.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return `${url.split(':')[0]}://***`;
  }
}
