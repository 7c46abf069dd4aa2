/**
 * A small interface over a snowflake-sdk connection: stream rows of a bound, tagged statement, and close.
 * Everything above it (the source, tests) depends on this, not on the driver.
 */
import type { SnowflakeSettings } from '../../../schemas/snowflake-config';
import { loadSnowflakeDriver } from './driver';
import { classifySnowflakeError } from './errors';

export type Row = Record<string, unknown>;

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
  try {
    await connection.connectAsync();
  } catch (err) {
    throw classifySnowflakeError(err, settings);
  }
  return {
    async *stream(sqlText, binds, queryTag) {
      const statement = connection.execute({ sqlText, binds, streamResult: true, parameters: { QUERY_TAG: queryTag } });
      try {
        for await (const row of statement.streamRows()) yield row as Row;
      } catch (err) {
        throw classifySnowflakeError(err, settings);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (!connection.isUp()) return resolve();
        connection.destroy(() => resolve());
      }),
  };
};
