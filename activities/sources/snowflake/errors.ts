/**
 * Sorting Snowflake failures into "fix your settings" (not retried, with a message naming the setting or the
 * missing GRANT) and everything else (network, HTTP 5xx/429, transient codes), which is re-thrown unchanged so
 * the activity retry policy retries it.
 */
import type { SnowflakeSettings } from '../../../schemas/snowflake-config';

/** Wrong account, user, password or key: retrying cannot help. */
export class SnowflakeAuthError extends Error {
  override readonly name = 'SnowflakeAuthError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** The role cannot read a view, use the warehouse, or assume the role: a GRANT is missing. */
export class SnowflakePrivilegeError extends Error {
  override readonly name = 'SnowflakePrivilegeError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** A statement ran past its deadline (SNOWFLAKE_QUERY_TIMEOUT_SECONDS); retried with a fresh session. */
export class SnowflakeQueryTimeoutError extends Error {
  override readonly name = 'SnowflakeQueryTimeoutError';
  constructor(readonly seconds: number) {
    super(`Snowflake statement did not finish within ${seconds} s (SNOWFLAKE_QUERY_TIMEOUT_SECONDS); it was cancelled`);
  }
}

/** Login failures Snowflake reports for bad credentials (user, password, key, locked or disabled users). */
const CREDENTIAL_CODES = new Set(['390100', '390101', '390102', '390103', '390104', '390144', '390145', '390318']);
/** Login failures for a role, warehouse or database the user may not use. */
const LOGIN_GRANT_CODES = new Set(['390189', '390190', '390191', '390201']);
/** Query failures meaning "not authorised" (insufficient privileges; object does not exist or not authorized). */
const QUERY_GRANT_CODES = new Set(['003001', '002003', '000606']);
/** snowflake-sdk's own codes for invalid connection options (404xxx). */
const isOptionError = (code: string) => /^404\d{3}$/.test(code);

interface DriverError {
  code?: unknown;
  sqlState?: unknown;
  message?: unknown;
  response?: { statusCode?: number };
}

function grantHint(settings: SnowflakeSettings, message: string): string {
  const role = settings.role ?? '<your role>';
  if (/USAGE_IN_CURRENCY_DAILY/i.test(message)) {
    return `GRANT DATABASE ROLE SNOWFLAKE.ORGANIZATION_BILLING_VIEWER TO ROLE ${role}`;
  }
  // The query views exist only in ACCOUNT_USAGE, and are granted by two database roles between them.
  if (/QUERY_(ATTRIBUTION_)?HISTORY/i.test(message)) {
    return `GRANT DATABASE ROLE SNOWFLAKE.USAGE_VIEWER TO ROLE ${role}; GRANT DATABASE ROLE SNOWFLAKE.GOVERNANCE_VIEWER TO ROLE ${role}`;
  }
  if (/METERING_HISTORY|\bview\b/i.test(message)) return viewerRole(settings, role);
  if (/No active warehouse|warehouse '[^']*' (does not exist|cannot be used)/i.test(message)) {
    return `GRANT USAGE ON WAREHOUSE ${settings.warehouse ?? '<warehouse>'} TO ROLE ${role} (and set SNOWFLAKE_WAREHOUSE)`;
  }
  return viewerRole(settings, role);
}

function viewerRole(settings: SnowflakeSettings, role: string): string {
  return settings.usageSchema === 'ORGANIZATION_USAGE'
    ? `GRANT DATABASE ROLE SNOWFLAKE.ORGANIZATION_USAGE_VIEWER TO ROLE ${role}`
    : `GRANT DATABASE ROLE SNOWFLAKE.USAGE_VIEWER TO ROLE ${role}`;
}

/** Node's errors for a private key it cannot decrypt or parse (wrong or missing passphrase, not a key). */
function isPrivateKeyError(code: string | undefined, message: string): boolean {
  return (
    code === 'ERR_MISSING_PASSPHRASE' ||
    code?.startsWith('ERR_OSSL_') === true ||
    /bad decrypt|passphrase|unsupported key|DECODER routines/i.test(message)
  );
}

/** Map a driver error to a domain error, or return it unchanged when retrying may help. */
export function classifySnowflakeError(
  err: unknown,
  settings: SnowflakeSettings,
  phase: 'login' | 'query' = 'query',
): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as Error & DriverError;
  const code = e.code === undefined || e.code === null ? undefined : String(e.code);
  const message = String(e.message ?? '');
  const who = `${settings.user}@${settings.account}`;

  // Snowflake answers a login for an account it does not know with HTTP 403 (or 404), not a JSON error.
  const status = e.response?.statusCode;
  if (phase === 'login' && (status === 403 || status === 404)) {
    return new SnowflakeAuthError(
      `Snowflake refused the login for ${who} with HTTP ${status}: the account was not found or blocks this client. ` +
        'Check SNOWFLAKE_ACCOUNT (the account identifier, e.g. myorg-myaccount) and any network policy.',
      code,
    );
  }
  // The driver decrypts the private key itself, before it calls Snowflake: a wrong (or missing) passphrase fails
  // here as an OpenSSL error, the same on every retry.
  if (phase === 'login' && settings.auth.kind === 'key-pair' && isPrivateKeyError(code, message)) {
    return new SnowflakeAuthError(
      `cannot use the private key at SNOWFLAKE_PRIVATE_KEY_PATH (${settings.auth.privateKeyPath}): ${message}. ` +
        'Check SNOWFLAKE_PRIVATE_KEY_PASSPHRASE (wrong, or missing for an encrypted key).',
      code,
    );
  }
  if (code && CREDENTIAL_CODES.has(code)) {
    const setting =
      settings.auth.kind === 'key-pair'
        ? `SNOWFLAKE_USER and the key at SNOWFLAKE_PRIVATE_KEY_PATH (its public key must be set with ALTER USER ${settings.user} SET RSA_PUBLIC_KEY = '…')`
        : 'SNOWFLAKE_USER and SNOWFLAKE_PASSWORD';
    return new SnowflakeAuthError(`Snowflake rejected the login for ${who}: ${message} Check ${setting}.`, code);
  }
  if (code && LOGIN_GRANT_CODES.has(code)) {
    return new SnowflakePrivilegeError(
      `Snowflake login for ${who} cannot use the configured role or warehouse: ${message} ` +
        `Check SNOWFLAKE_ROLE / SNOWFLAKE_WAREHOUSE, and GRANT ROLE ${settings.role ?? '<role>'} TO USER ${settings.user}.`,
      code,
    );
  }
  if (code && isOptionError(code)) {
    return new SnowflakeAuthError(`invalid Snowflake settings for ${who}: ${message}`, code);
  }
  // A word of its own: ACCOUNT_USAGE in a "does not exist or not authorized" message is a missing grant.
  if (/\baccount\b.*(not exist|not found|invalid)|unknown account/i.test(message)) {
    return new SnowflakeAuthError(
      `Snowflake account "${settings.account}" was not found: ${message} Check SNOWFLAKE_ACCOUNT.`,
      code,
    );
  }
  if (code && QUERY_GRANT_CODES.has(code)) {
    return new SnowflakePrivilegeError(
      `Snowflake role cannot read usage data: ${message} Run: ${grantHint(settings, message)}.`,
      code,
    );
  }
  return err;
}
