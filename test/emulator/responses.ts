/**
 * Snowflake's JSON envelopes. Every GS answer is HTTP 200 with `{ data, code, message, success }`; the driver
 * turns `success: false` into an OperationFailedError carrying `code`, `message` and `data.sqlState`.
 */

export interface SnowflakeBody {
  data: unknown;
  code: string | null;
  message: string | null;
  success: boolean;
  headers?: null;
}

export function ok(data: unknown): SnowflakeBody {
  return { data, code: null, message: null, success: true };
}

export function failure(code: string, message: string, data: unknown = null): SnowflakeBody {
  return { data, code, message, success: false, headers: null };
}

/** GS error codes the driver or its callers react to (see snowflake-sdk constants/gs_errors.js). */
export const GS = {
  INCORRECT_USERNAME_PASSWORD: '390100',
  SESSION_TOKEN_INVALID: '390104',
  SESSION_TOKEN_EXPIRED: '390112',
  MASTER_TOKEN_EXPIRED: '390114',
  JWT_TOKEN_INVALID: '390144',
} as const;

/** A failed login: Snowflake puts the next action and the authenticator in `data`. */
export function loginFailure(code: string, message: string, authnMethod: string): SnowflakeBody {
  return failure(code, message, { nextAction: 'RETRY_LOGIN', authnMethod, signInOptions: {} });
}

export function incorrectPassword(): SnowflakeBody {
  return loginFailure(GS.INCORRECT_USERNAME_PASSWORD, 'Incorrect username or password was specified.', 'PASSWORD');
}

export function jwtInvalid(): SnowflakeBody {
  return loginFailure(GS.JWT_TOKEN_INVALID, 'JWT token is invalid.', 'KEY_PAIR');
}

export function sessionExpired(): SnowflakeBody {
  return failure(GS.SESSION_TOKEN_EXPIRED, 'Your session has expired. Please login again.');
}

export function sessionInvalid(): SnowflakeBody {
  return failure(GS.SESSION_TOKEN_INVALID, 'Invalid session token. The session may have been closed.');
}

export function masterTokenExpired(): SnowflakeBody {
  return failure(GS.MASTER_TOKEN_EXPIRED, 'Authentication token has expired.  The user must authenticate again.');
}

/** A failed statement: what GS sends for compilation and execution errors. */
export function queryFailure(code: string, sqlState: string, message: string, queryId: string): SnowflakeBody {
  return failure(code, message, {
    internalError: false,
    unredactedFromSecureObject: false,
    errorCode: code,
    age: 0,
    sqlState,
    queryId,
    line: -1,
    pos: -1,
    type: 'COMPILATION',
  });
}
