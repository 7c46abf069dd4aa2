/**
 * Where alerts go: Slack settings from SLACK_* variables and channel routes from the config file. Without a bot
 * token, alerts are written to the outbox with the same Block Kit JSON (the demo path). Problems are returned as
 * messages naming the variable or key, so `loadConfig` can report them all at once; secrets are never echoed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** Send a warehouse's alerts to an owner's channel. Exactly one matcher: `warehouses`, `prefix` or `pattern`. */
export interface AlertRoute {
  channel: string;
  warehouses?: string[];
  prefix?: string;
  /** A regular expression matched against the whole warehouse name (case-insensitive). */
  pattern?: string;
}

/** The Slack app's credentials and endpoints. */
export interface SlackConnection {
  botToken: string;
  /** Web API base URL, ending in `/` (default Slack's own). */
  apiUrl: string;
  /** Verifies the Bolt app's HTTP requests (`snowpatrol slack`). */
  signingSecret: string | undefined;
  /** Socket Mode app-level token (`xapp-…`): the Bolt app connects out instead of listening. */
  appToken: string | undefined;
  /** Port of the Bolt app's HTTP receiver. */
  port: number;
}

export interface AlertSettings {
  /** The channel for alerts no route claims, and for failure and late-data notices. */
  channel: string;
  routes: AlertRoute[];
  /** Present when SLACK_BOT_TOKEN is set: alerts go to Slack instead of the outbox. */
  slack: SlackConnection | undefined;
}

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';
export const DEFAULT_ALERT_CHANNEL = 'snowpatrol-alerts';
/** Read when SNOWPATROL_CONFIG is unset and the file exists in the working directory. */
export const DEFAULT_CONFIG_FILE = 'snowpatrol.config.json';

const route = z
  .strictObject({
    channel: z.string().trim().min(1, 'must name a channel'),
    warehouses: z.array(z.string().trim().min(1)).min(1).optional(),
    prefix: z.string().trim().min(1).optional(),
    pattern: z
      .string()
      .min(1)
      .refine((p) => compiles(p), { message: 'is not a valid regular expression' })
      .optional(),
  })
  .refine((r) => [r.warehouses, r.prefix, r.pattern].filter((m) => m !== undefined).length === 1, {
    message: 'needs exactly one of "warehouses", "prefix" or "pattern"',
  });

/** The config file: settings that are lists or structures, not single env values. Unknown keys are errors. */
const configFile = z.strictObject({
  slack: z.strictObject({ routes: z.array(route).default([]) }).optional(),
});

export type ConfigFile = z.infer<typeof configFile>;

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

const text = (env: NodeJS.ProcessEnv, key: string): string | undefined => {
  const v = env[key];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
};

/** Read and validate the config file (SNOWPATROL_CONFIG, else ./snowpatrol.config.json when present). */
export function readConfigFile(env: NodeJS.ProcessEnv, cwd: string): { file: ConfigFile; problems: string[] } {
  const named = text(env, 'SNOWPATROL_CONFIG');
  const file = path.resolve(cwd, named ?? DEFAULT_CONFIG_FILE);
  if (!named && !fs.existsSync(file)) return { file: {}, problems: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { file: {}, problems: [`SNOWPATROL_CONFIG: cannot read ${file}: ${why}`] };
  }
  const parsed = configFile.safeParse(raw);
  if (parsed.success) return { file: parsed.data, problems: [] };
  return {
    file: {},
    problems: parsed.error.issues.map(
      (i) => `${file}: ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`,
    ),
  };
}

/** Parse the alert settings: Slack connection (when a bot token is set), default channel and routes. */
export function parseAlertSettings(
  env: NodeJS.ProcessEnv,
  file: ConfigFile,
): { settings: AlertSettings; problems: string[] } {
  const problems: string[] = [];
  const botToken = text(env, 'SLACK_BOT_TOKEN');
  const channel = text(env, 'SLACK_CHANNEL');
  const appToken = text(env, 'SLACK_APP_TOKEN');
  const apiUrl = text(env, 'SLACK_API_URL') ?? DEFAULT_SLACK_API_URL;
  const portText = text(env, 'SLACK_PORT');
  const port = portText === undefined ? 3000 : Number(portText);

  if (botToken !== undefined && !botToken.startsWith('xoxb-')) {
    problems.push('SLACK_BOT_TOKEN: must be a bot token (starts with xoxb-; find it under OAuth & Permissions)');
  }
  if (botToken !== undefined && channel === undefined) {
    problems.push(
      'SLACK_CHANNEL: required with SLACK_BOT_TOKEN (the default channel for alerts, e.g. C0123ABCD or #cost-alerts)',
    );
  }
  if (appToken !== undefined && !appToken.startsWith('xapp-')) {
    problems.push(
      'SLACK_APP_TOKEN: must be an app-level token (starts with xapp-; Basic Information → App-Level Tokens)',
    );
  }
  if (!/^https?:\/\/[^/]+/.test(apiUrl)) problems.push(`SLACK_API_URL: must be an http(s) URL, got "${apiUrl}"`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    problems.push(`SLACK_PORT: must be a port number (1-65535), got "${portText}"`);
  }
  const settings: AlertSettings = {
    channel: normaliseChannel(channel ?? DEFAULT_ALERT_CHANNEL),
    routes: (file.slack?.routes ?? []).map((r) => ({ ...r, channel: normaliseChannel(r.channel) })),
    slack: botToken
      ? {
          botToken,
          apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`,
          signingSecret: text(env, 'SLACK_SIGNING_SECRET'),
          appToken,
          port,
        }
      : undefined,
  };
  return { settings, problems };
}

/** `#cost-alerts` and `cost-alerts` are the same channel; ids (C…, G…) stay as they are. */
export function normaliseChannel(channel: string): string {
  return channel.trim().replace(/^#/, '');
}
