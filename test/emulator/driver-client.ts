/**
 * The real snowflake-sdk, promisified, for tests that talk to the emulator. The driver is required lazily
 * (test/setup-env.ts has already turned off its cloud-platform probes and connection-shape telemetry) and logs
 * to `driverLog` instead of a snowflake.log file in the working directory.
 */
import type * as SnowflakeSdk from 'snowflake-sdk';
import type { Binds, Connection, ConnectionOptions, RowStatement, StatementOption } from 'snowflake-sdk';
import type { SnowflakeEmulator } from './types';

type Sdk = typeof SnowflakeSdk;
type Row = Record<string, unknown>;

/** The driver's log lines (level ERROR and up), newest last. */
export const driverLog: string[] = [];

let sdk: Sdk | undefined;

export function loadDriver(): Sdk {
  if (!sdk) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    sdk = require('snowflake-sdk') as Sdk;
    const keep = (level: string) => (message: string) => {
      driverLog.push(`${level} ${message}`);
      if (driverLog.length > 500) driverLog.shift();
    };
    sdk.configure({
      logLevel: 'ERROR',
      customLogger: {
        error: keep('ERROR'),
        warn: keep('WARN'),
        info: keep('INFO'),
        debug: keep('DEBUG'),
        trace: keep('TRACE'),
      },
    });
  }
  return sdk;
}

/** Connect to the emulator (its account and URL filled in); rejects with the driver's error. */
export function connectTo(emulator: SnowflakeEmulator, options: Partial<ConnectionOptions>): Promise<Connection> {
  const connection = loadDriver().createConnection({
    account: emulator.account,
    accessUrl: emulator.url,
    clientSessionKeepAlive: false,
    ...options,
  } as ConnectionOptions);
  return new Promise((resolve, reject) => {
    connection.connect((err) => (err ? reject(err) : resolve(connection)));
  });
}

export type StatementExtras = Omit<StatementOption, 'sqlText' | 'binds' | 'complete' | 'streamResult'>;

/** `execute({ complete })`: all rows at once. */
export function queryRows<T = Row>(
  connection: Connection,
  sqlText: string,
  binds: Binds = [],
  extra: StatementExtras = {},
): Promise<T[]> {
  return new Promise((resolve, reject) => {
    connection.execute({
      ...extra,
      sqlText,
      binds,
      complete: (err, _statement, rows) => (err ? reject(err) : resolve((rows ?? []) as T[])),
    });
  });
}

/** `execute({ streamResult: true })` + `statement.streamRows()`, the way snowpatrol reads (row by row). */
export async function streamRows<T = Row>(
  connection: Connection,
  sqlText: string,
  binds: Binds = [],
  extra: StatementExtras = {},
): Promise<T[]> {
  const statement = connection.execute({ ...extra, sqlText, binds, streamResult: true }) as RowStatement;
  const rows: T[] = [];
  for await (const row of statement.streamRows()) rows.push(row as T);
  return rows;
}

export function destroy(connection: Connection | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!connection?.isUp()) return resolve();
    connection.destroy(() => resolve());
  });
}

/** What a caller can see on a driver error. `status` is the HTTP status of a RequestFailedError. */
export interface DriverErrorFacts {
  name: string;
  code: unknown;
  message: string;
  sqlState: unknown;
  status: unknown;
  isFatal: unknown;
  cause: string | undefined;
}

export function errorFacts(err: unknown): DriverErrorFacts {
  const e = (err ?? {}) as Record<string, unknown>;
  const cause = e.cause as { name?: string; code?: string; message?: string } | undefined;
  return {
    name: String(e.name),
    code: e.code,
    message: String(e.message),
    sqlState: e.sqlState,
    status: (e.response as { statusCode?: number } | undefined)?.statusCode,
    isFatal: e.isFatal,
    cause: cause ? `${cause.name}(${cause.code}): ${cause.message}` : undefined,
  };
}

/** Run `call`, which must fail: the driver error's facts and how long the call took. */
export async function rejection(call: () => Promise<unknown>): Promise<{ facts: DriverErrorFacts; ms: number }> {
  const started = Date.now();
  try {
    await call();
  } catch (err) {
    return { facts: errorFacts(err), ms: Date.now() - started };
  }
  throw new Error('expected the driver call to fail, but it succeeded');
}
