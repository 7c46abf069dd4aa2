/**
 * A small interface over a snowflake-sdk connection: stream rows of a bound, tagged statement, and close.
 * Everything above it (the source, tests) depends on this, not on the driver.
 */
import type { SnowflakeSettings } from '../../../schemas/snowflake-config';
import { loadSnowflakeDriver } from './driver';
import { classifySnowflakeError, SnowflakeQueryTimeoutError } from './errors';

/** One result row, as an array in the statement's column order (cheaper than an object per row). */
export type Row = unknown[];

export interface SnowflakeSession {
  /** Rows of `sqlText` with positional `?` binds, streamed (the driver never holds the whole result here). */
  stream(sqlText: string, binds: (string | number)[], queryTag: string): AsyncIterable<Row>;
  close(): Promise<void>;
}

export type ConnectSnowflake = (settings: SnowflakeSettings) => Promise<SnowflakeSession>;

/** Log in with the configured credentials; auth and privilege failures are raised as non-retryable errors. */
export const connectSnowflake: ConnectSnowflake = async (settings) => {
  const sdk = loadSnowflakeDriver(settings.logLevel);
  const connection = sdk.createConnection({
    account: settings.account,
    username: settings.user,
    role: settings.role,
    warehouse: settings.warehouse,
    accessUrl: settings.accessUrl,
    application: 'snowpatrol',
    clientSessionKeepAlive: false,
    ...(settings.auth.kind === 'password'
      ? { password: settings.auth.password }
      : {
          authenticator: 'SNOWFLAKE_JWT',
          privateKeyPath: settings.auth.privateKeyPath,
          privateKeyPass: settings.auth.passphrase,
        }),
  });
  // connect(callback), not connectAsync(): connectAsync resolves even when the login fails.
  await new Promise<void>((resolve, reject) =>
    connection.connect((err) => (err ? reject(classifySnowflakeError(err, settings, 'login')) : resolve())),
  );
  return {
    async *stream(sqlText, binds, queryTag) {
      const statement = connection.execute({
        sqlText,
        binds,
        streamResult: true,
        fetchAsString: ['Number'],
        rowMode: 'array',
        parameters: { QUERY_TAG: queryTag },
      });
      const rows = statement.streamRows();
      // The driver retries 5xx answers by itself for a very long time; give each statement a deadline, after
      // which it is cancelled and the activity retries with a fresh session.
      const deadline = setTimeout(() => {
        statement.cancel(() => undefined);
        rows.destroy(new SnowflakeQueryTimeoutError(settings.queryTimeoutSeconds));
      }, settings.queryTimeoutSeconds * 1000);
      try {
        for await (const row of rows) yield row as Row;
      } catch (err) {
        throw classifySnowflakeError(err, settings, 'query');
      } finally {
        clearTimeout(deadline);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (!connection.isUp()) return resolve();
        connection.destroy(() => resolve());
      }),
  };
};
