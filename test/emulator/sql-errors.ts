/**
 * Postgres errors → the Snowflake errors a real account would raise for the same mistake
 * (code, SQLSTATE, "SQL compilation error:" message), so callers' error handling sees Snowflake's values.
 *   missing table/view   002003 / 42S02  Object 'X' does not exist or not authorized.
 *   missing schema       002003 / 02000  Schema 'X' does not exist or not authorized.
 *   unknown column       000904 / 42000  invalid identifier 'X'
 *   unknown function     002140 / 42601  Unknown function X
 *   syntax error         001003 / 42000  syntax error … unexpected '…'.
 *   other class 42       001003 / 42000  (Postgres' message)
 *   data exceptions (22) 100038 / 22018  (Postgres' message)
 *   anything else        000603 / XX000  SQL execution internal error
 */

export interface SnowflakeSqlError {
  code: string;
  sqlState: string;
  message: string;
}

interface PgErrorLike {
  code?: string;
  message?: string;
}

const COMPILATION = 'SQL compilation error:\n';

function quotedName(message: string): string | undefined {
  return /"([^"]+)"/.exec(message)?.[1];
}

/** Object 'X' does not exist or not authorized — how Snowflake words both a missing and a forbidden object. */
export function objectNotAuthorized(name: string): SnowflakeSqlError {
  return {
    code: '002003',
    sqlState: '42S02',
    message: `${COMPILATION}Object '${name.toUpperCase()}' does not exist or not authorized.`,
  };
}

export function toSnowflakeError(err: unknown): SnowflakeSqlError {
  const pg = (err ?? {}) as PgErrorLike;
  const message = String(pg.message ?? err);
  const code = pg.code ?? '';
  const name = quotedName(message) ?? '?';
  switch (code) {
    case '42P01':
      // The usage views are named with their database in Snowflake's message, as the statement named them.
      return objectNotAuthorized(/^(organization_usage|account_usage)\./i.test(name) ? `SNOWFLAKE.${name}` : name);
    case '3F000':
      return {
        code: '002003',
        sqlState: '02000',
        message: `${COMPILATION}Schema '${name.toUpperCase()}' does not exist or not authorized.`,
      };
    case '42703':
      return { code: '000904', sqlState: '42000', message: `${COMPILATION}invalid identifier '${name.toUpperCase()}'` };
    case '42883': {
      const fn = /function ([A-Za-z0-9_.]+)\(/.exec(message)?.[1] ?? name;
      return { code: '002140', sqlState: '42601', message: `${COMPILATION}Unknown function ${fn.toUpperCase()}` };
    }
    case '42601': {
      const near = /at or near "([^"]*)"/.exec(message)?.[1];
      const detail = near === undefined ? message : `syntax error unexpected '${near}'.`;
      return { code: '001003', sqlState: '42000', message: `${COMPILATION}${detail}` };
    }
  }
  if (code.startsWith('42')) return { code: '001003', sqlState: '42000', message: `${COMPILATION}${message}` };
  if (code.startsWith('22')) return { code: '100038', sqlState: '22018', message };
  return { code: '000603', sqlState: 'XX000', message: `SQL execution internal error:\n${message}` };
}
