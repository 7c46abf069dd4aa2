/**
 * Users, logins and sessions. Password logins compare the password; key-pair logins (AUTHENTICATOR
 * SNOWFLAKE_JWT) verify the RS256 JWT the driver signs (authentication/auth_keypair.js) against the user's
 * registered public key, the way Snowflake does:
 *   iss = `${ACCOUNT}.${USER}.SHA256:${base64(sha256(SPKI DER of the public key))}`, sub = `${ACCOUNT}.${USER}`.
 * snowflake-sdk 3.3.0 writes `iat`/`exp` in milliseconds (Date.now()), not the seconds of RFC 7519, so both units
 * are accepted; the token must not be expired and may live at most an hour, as Snowflake requires.
 */
import crypto from 'node:crypto';
import {
  failure,
  incorrectPassword,
  jwtInvalid,
  loginFailure,
  masterTokenExpired,
  ok,
  sessionExpired,
  sessionInvalid,
  type SnowflakeBody,
} from './responses';
import type { EmulatorUser } from './types';

const SESSION_VALIDITY_S = 3600;
const MASTER_VALIDITY_S = 4 * 3600;
const CLOCK_SKEW_S = 60;

export interface Session {
  id: number;
  user: string;
  sessionToken: string;
  masterToken: string;
  /** Set by the expireSessionNext fault: the session token is refused with 390112 until renewed. */
  expired: boolean;
  roleName: string;
  warehouseName: string | null;
  databaseName: string | null;
  schemaName: string | null;
}

/** A login is either a Snowflake JSON answer or, for an account this deployment does not serve, HTTP 403. */
export type LoginOutcome = { kind: 'answer'; body: SnowflakeBody } | { kind: 'unknown-account' };

interface RegisteredUser {
  name: string;
  password?: string;
  publicKey?: crypto.KeyObject;
  fingerprint?: string;
}

export function publicKeyFingerprint(key: crypto.KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  return `SHA256:${crypto.createHash('sha256').update(der).digest('base64')}`;
}

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** JWT NumericDate in seconds, whether the driver sent seconds or milliseconds. */
function toSeconds(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  return value > 1e11 ? value / 1000 : value;
}

/** True when `token` is a valid key-pair login JWT for `user` of `account`. */
export function verifyLoginJwt(token: string, account: string, user: RegisteredUser, nowMs = Date.now()): boolean {
  if (!user.publicKey || !user.fingerprint) return false;
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  const [headerPart, payloadPart, signaturePart] = parts;
  const header = decodeSegment(headerPart);
  const payload = decodeSegment(payloadPart);
  if (!header || !payload || header.alg !== 'RS256') return false;
  const subject = `${account.toUpperCase()}.${user.name.toUpperCase()}`;
  if (payload.sub !== subject || payload.iss !== `${subject}.${user.fingerprint}`) return false;
  const signed = Buffer.from(`${headerPart}.${payloadPart}`);
  const signature = Buffer.from(signaturePart, 'base64url');
  if (!crypto.verify('sha256', signed, user.publicKey, signature)) return false;
  const now = nowMs / 1000;
  const exp = toSeconds(payload.exp);
  const iat = toSeconds(payload.iat);
  if (exp === undefined || iat === undefined) return false;
  return exp > now - CLOCK_SKEW_S && iat <= now + CLOCK_SKEW_S && exp - iat <= 3600;
}

function newToken(kind: string): string {
  return `ver:1-hint:${kind}-ETMsDgAAA${crypto.randomBytes(24).toString('base64url')}`;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `Snowflake Token="…"` → the token. */
export function tokenFromAuthorization(header: string | undefined): string | undefined {
  const match = /^Snowflake Token="([^"]*)"$/.exec(header ?? '');
  return match?.[1];
}

export class AuthService {
  private readonly users = new Map<string, RegisteredUser>();
  private readonly bySessionToken = new Map<string, Session>();
  private readonly byMasterToken = new Map<string, Session>();
  private nextSessionId = 1_000_000_000_001;

  constructor(private readonly account: string) {}

  addUser(user: EmulatorUser): void {
    const registered: RegisteredUser = { name: user.name, password: user.password };
    if (user.publicKeyPem) {
      registered.publicKey = crypto.createPublicKey(user.publicKeyPem);
      registered.fingerprint = publicKeyFingerprint(registered.publicKey);
    }
    this.users.set(user.name.toUpperCase(), registered);
  }

  /** POST /session/v1/login-request. `query` holds warehouse, databaseName, schemaName, roleName. */
  login(body: unknown, query: URLSearchParams): LoginOutcome {
    const data = ((body as { data?: Record<string, unknown> } | undefined)?.data ?? {}) as Record<string, unknown>;
    // Snowflake is addressed per account (the account is the host name): a login for an account this
    // deployment does not serve gets HTTP 403 Forbidden from Snowflake's front end, not a JSON error.
    if (String(data.ACCOUNT_NAME ?? '').toUpperCase() !== this.account.toUpperCase())
      return { kind: 'unknown-account' };
    const authenticator = String(data.AUTHENTICATOR ?? 'SNOWFLAKE').toUpperCase();
    const user = this.users.get(String(data.LOGIN_NAME ?? '').toUpperCase());
    if (authenticator === 'SNOWFLAKE') {
      if (!user || user.password === undefined || user.password !== data.PASSWORD) {
        return { kind: 'answer', body: incorrectPassword() };
      }
    } else if (authenticator === 'SNOWFLAKE_JWT') {
      if (!user || !verifyLoginJwt(String(data.TOKEN ?? ''), this.account, user)) {
        return { kind: 'answer', body: jwtInvalid() };
      }
    } else {
      const message = `Authenticator ${authenticator} is not supported by the Snowflake emulator.`;
      return { kind: 'answer', body: loginFailure('390100', message, authenticator) };
    }
    const session = this.createSession(user.name, query);
    const sessionParameters = (data.SESSION_PARAMETERS ?? {}) as Record<string, unknown>;
    return {
      kind: 'answer',
      body: ok({
        token: session.sessionToken,
        masterToken: session.masterToken,
        validityInSeconds: SESSION_VALIDITY_S,
        masterValidityInSeconds: MASTER_VALIDITY_S,
        displayUserName: user.name.toUpperCase(),
        serverVersion: '9.30.0-emulator',
        firstLogin: false,
        remMeToken: null,
        remMeValidityInSeconds: 0,
        healthCheckInterval: 45,
        newClientForUpgrade: null,
        sessionId: session.id,
        parameters: [
          { name: 'CLIENT_SESSION_KEEP_ALIVE', value: sessionParameters.CLIENT_SESSION_KEEP_ALIVE === true },
          { name: 'CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY', value: 3600 },
          { name: 'CLIENT_STAGE_ARRAY_BINDING_THRESHOLD', value: 65280 },
          { name: 'MULTI_STATEMENT_COUNT', value: 1 },
          { name: 'QUERY_CONTEXT_CACHE_SIZE', value: 5 },
          { name: 'TIMEZONE', value: 'UTC' },
        ],
        sessionInfo: {
          databaseName: session.databaseName,
          schemaName: session.schemaName,
          warehouseName: session.warehouseName,
          roleName: session.roleName,
        },
        idToken: null,
        idTokenValidityInSeconds: 0,
        responseData: null,
        mfaToken: null,
        mfaTokenValidityInSeconds: 0,
      }),
    };
  }

  private createSession(user: string, query: URLSearchParams): Session {
    const session: Session = {
      id: this.nextSessionId++,
      user,
      sessionToken: newToken('session'),
      masterToken: newToken('master'),
      expired: false,
      roleName: (query.get('roleName') ?? 'PUBLIC').toUpperCase(),
      warehouseName: query.get('warehouse')?.toUpperCase() ?? null,
      databaseName: query.get('databaseName')?.toUpperCase() ?? null,
      schemaName: query.get('schemaName')?.toUpperCase() ?? null,
    };
    this.bySessionToken.set(session.sessionToken, session);
    this.byMasterToken.set(session.masterToken, session);
    return session;
  }

  /** The session a request's `Authorization` header names, or the GS error to answer with. */
  authenticate(authorization: string | undefined): { session: Session } | { error: SnowflakeBody } {
    const token = tokenFromAuthorization(authorization);
    const session = token === undefined ? undefined : this.bySessionToken.get(token);
    if (!session) return { error: sessionInvalid() };
    if (session.expired) return { error: sessionExpired() };
    return { session };
  }

  /** Look a session token up without checking expiry (for recording who sent a request). */
  peek(authorization: string | undefined): Session | undefined {
    const token = tokenFromAuthorization(authorization);
    return token === undefined ? undefined : this.bySessionToken.get(token);
  }

  /** POST /session/token-request with the master token: a new session token for the same session. */
  renew(authorization: string | undefined, body: unknown): SnowflakeBody {
    const token = tokenFromAuthorization(authorization);
    const session = token === undefined ? undefined : this.byMasterToken.get(token);
    if (!session) return masterTokenExpired();
    const request = (body ?? {}) as { requestType?: unknown; oldSessionToken?: unknown };
    if (request.requestType !== 'RENEW')
      return failure('000603', `Unsupported token request type ${String(text(request.requestType))}.`);
    this.bySessionToken.delete(session.sessionToken);
    session.sessionToken = newToken('session');
    session.expired = false;
    this.bySessionToken.set(session.sessionToken, session);
    return ok({
      sessionToken: session.sessionToken,
      validityInSecondsST: SESSION_VALIDITY_S,
      masterToken: session.masterToken,
      validityInSecondsMT: MASTER_VALIDITY_S,
      sessionId: session.id,
    });
  }

  logout(session: Session): void {
    this.bySessionToken.delete(session.sessionToken);
    this.byMasterToken.delete(session.masterToken);
  }
}
