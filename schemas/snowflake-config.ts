/**
 * Snowflake connection settings from SNOWFLAKE_* variables. Present settings make `snowflake` the default
 * source. Problems are returned as messages naming the variable, so `loadConfig` can report them all at once.
 */
import fs from 'node:fs';
import path from 'node:path';

export type UsageSchema = 'ORGANIZATION_USAGE' | 'ACCOUNT_USAGE';

export interface SnowflakeSettings {
  /** Account identifier, e.g. `myorg-myaccount` (what the driver's `account` option takes). */
  account: string;
  user: string;
  role: string | undefined;
  warehouse: string | undefined;
  auth:
    | { kind: 'password'; password: string }
    | { kind: 'key-pair'; privateKeyPath: string; passphrase: string | undefined };
  /** ORGANIZATION_USAGE reads every account of the organisation; ACCOUNT_USAGE only the connected one. */
  usageSchema: UsageSchema;
  /** Only these accounts (ACCOUNT_NAME), when set. */
  accounts: string[] | undefined;
  /** Name recorded for the connected account when reading ACCOUNT_USAGE (which has no ACCOUNT_NAME column). */
  accountLabel: string;
  /** Override of the service URL (PrivateLink, or a local emulator in tests). */
  accessUrl: string | undefined;
  /** Driver log level (never DEBUG/TRACE in production: the driver may log statement text). */
  logLevel: 'ERROR' | 'WARN' | 'INFO';
  /** Deadline per statement; the driver's own retries of 5xx answers can otherwise run for hours. */
  queryTimeoutSeconds: number;
}

/** Money settings: the fallback price per credit when USAGE_IN_CURRENCY_DAILY cannot be read. */
export interface PriceSettings {
  pricePerCredit: number | undefined;
  currency: string;
}

const text = (env: NodeJS.ProcessEnv, key: string): string | undefined => {
  const v = env[key];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
};

/** True when any SNOWFLAKE_ connection setting is present. */
export function snowflakeConfigured(env: NodeJS.ProcessEnv): boolean {
  return ['SNOWFLAKE_ACCOUNT', 'SNOWFLAKE_USER', 'SNOWFLAKE_PASSWORD', 'SNOWFLAKE_PRIVATE_KEY_PATH'].some((k) =>
    text(env, k),
  );
}

/** Parse Snowflake settings; `undefined` settings when none are present. `problems` names every bad variable. */
export function parseSnowflakeSettings(
  env: NodeJS.ProcessEnv,
  cwd: string,
): { settings: SnowflakeSettings | undefined; problems: string[] } {
  if (!snowflakeConfigured(env)) return { settings: undefined, problems: [] };
  const problems: string[] = [];
  const account = text(env, 'SNOWFLAKE_ACCOUNT');
  const user = text(env, 'SNOWFLAKE_USER');
  if (!account) problems.push('SNOWFLAKE_ACCOUNT: required when Snowflake is configured (e.g. myorg-myaccount)');
  else if (!/^[A-Za-z0-9_.-]+$/.test(account))
    problems.push(`SNOWFLAKE_ACCOUNT: "${account}" is not an account identifier`);
  if (!user) problems.push('SNOWFLAKE_USER: required when Snowflake is configured');

  const password = env.SNOWFLAKE_PASSWORD ? env.SNOWFLAKE_PASSWORD : undefined;
  const keyPath = text(env, 'SNOWFLAKE_PRIVATE_KEY_PATH');
  let auth: SnowflakeSettings['auth'] | undefined;
  if (password && keyPath) {
    problems.push(
      'SNOWFLAKE_PASSWORD and SNOWFLAKE_PRIVATE_KEY_PATH are both set: choose one (key-pair is recommended)',
    );
  } else if (keyPath) {
    const resolved = path.resolve(cwd, keyPath);
    try {
      const head = fs.readFileSync(resolved, 'utf8').slice(0, 64);
      if (!head.includes('PRIVATE KEY'))
        problems.push(`SNOWFLAKE_PRIVATE_KEY_PATH: ${resolved} is not a PEM private key`);
    } catch (err) {
      problems.push(
        `SNOWFLAKE_PRIVATE_KEY_PATH: cannot read ${resolved} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    auth = {
      kind: 'key-pair',
      privateKeyPath: resolved,
      passphrase: env.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE || undefined,
    };
  } else if (password) {
    auth = { kind: 'password', password };
  } else {
    problems.push('SNOWFLAKE_PRIVATE_KEY_PATH (recommended) or SNOWFLAKE_PASSWORD: one is required');
  }

  const schemaText = (text(env, 'SNOWFLAKE_USAGE_SCHEMA') ?? 'ORGANIZATION_USAGE').toUpperCase();
  if (schemaText !== 'ORGANIZATION_USAGE' && schemaText !== 'ACCOUNT_USAGE') {
    problems.push(
      `SNOWFLAKE_USAGE_SCHEMA: expected ORGANIZATION_USAGE or ACCOUNT_USAGE, got "${env.SNOWFLAKE_USAGE_SCHEMA}"`,
    );
  }
  const accounts = text(env, 'SNOWFLAKE_ACCOUNTS')
    ?.split(',')
    .map((a) => a.trim().toUpperCase())
    .filter(Boolean);
  const accessUrl = text(env, 'SNOWFLAKE_ACCESS_URL');
  if (accessUrl && !/^https?:\/\/[^\s]+$/.test(accessUrl))
    problems.push(`SNOWFLAKE_ACCESS_URL: "${accessUrl}" is not a URL`);
  const logLevel = (text(env, 'SNOWFLAKE_LOG_LEVEL') ?? 'ERROR').toUpperCase();
  if (!['ERROR', 'WARN', 'INFO'].includes(logLevel)) {
    problems.push(`SNOWFLAKE_LOG_LEVEL: expected ERROR, WARN or INFO, got "${env.SNOWFLAKE_LOG_LEVEL}"`);
  }

  const timeoutText = text(env, 'SNOWFLAKE_QUERY_TIMEOUT_SECONDS');
  const queryTimeoutSeconds = timeoutText === undefined ? 600 : Number(timeoutText);
  if (!Number.isInteger(queryTimeoutSeconds) || queryTimeoutSeconds < 1) {
    problems.push(`SNOWFLAKE_QUERY_TIMEOUT_SECONDS: must be a positive whole number of seconds, got "${timeoutText}"`);
  }

  if (problems.length > 0 || !account || !user || !auth) return { settings: undefined, problems };
  return {
    settings: {
      account,
      user,
      role: text(env, 'SNOWFLAKE_ROLE'),
      warehouse: text(env, 'SNOWFLAKE_WAREHOUSE'),
      auth,
      usageSchema: schemaText as UsageSchema,
      accounts: accounts && accounts.length > 0 ? accounts : undefined,
      accountLabel: (text(env, 'SNOWFLAKE_ACCOUNT_LABEL') ?? account).toUpperCase(),
      accessUrl,
      logLevel: logLevel as SnowflakeSettings['logLevel'],
      queryTimeoutSeconds,
    },
    problems,
  };
}

/** Parse SNOWPATROL_PRICE_PER_CREDIT / SNOWPATROL_CURRENCY. */
export function parsePriceSettings(env: NodeJS.ProcessEnv): { settings: PriceSettings; problems: string[] } {
  const problems: string[] = [];
  const raw = text(env, 'SNOWPATROL_PRICE_PER_CREDIT');
  const price = raw === undefined ? undefined : Number(raw);
  if (price !== undefined && (!Number.isFinite(price) || price <= 0)) {
    problems.push(`SNOWPATROL_PRICE_PER_CREDIT: must be a positive number, got "${raw}"`);
  }
  const currency = (text(env, 'SNOWPATROL_CURRENCY') ?? 'USD').toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency))
    problems.push(`SNOWPATROL_CURRENCY: expected a 3-letter code like USD, got "${currency}"`);
  return { settings: { pricePerCredit: problems.length ? undefined : price, currency }, problems };
}
