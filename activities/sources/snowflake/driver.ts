/**
 * The only place snowflake-sdk is loaded. The driver probes cloud metadata hosts (169.254.169.254 …) as soon
 * as it is required unless platform detection is disabled first, so this sets that (and turns off
 * connection-shape telemetry) before the first `require`, and is called only when the Snowflake source is used.
 */
import type * as SnowflakeSdk from 'snowflake-sdk';

export type SnowflakeDriver = typeof SnowflakeSdk;

let driver: SnowflakeDriver | undefined;

export function loadSnowflakeDriver(logLevel: 'ERROR' | 'WARN' | 'INFO' = 'ERROR'): SnowflakeDriver {
  if (!driver) {
    process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION = 'true';
    process.env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE = '1';
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    driver = require('snowflake-sdk') as SnowflakeDriver;
    // The built-in logger writes ./snowflake.log; send the driver's (already secret-masked) messages to stderr.
    const write = (level: string) => (message: string) => process.stderr.write(`snowflake-sdk ${level}: ${message}\n`);
    driver.configure({
      logLevel,
      customLogger: {
        error: write('error'),
        warn: write('warn'),
        info: write('info'),
        debug: write('debug'),
        trace: write('trace'),
      },
    });
  }
  return driver;
}
