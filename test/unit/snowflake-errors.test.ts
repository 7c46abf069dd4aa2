import {
  classifySnowflakeError,
  SnowflakeAuthError,
  SnowflakePrivilegeError,
} from '../../activities/sources/snowflake/errors';
import { snowflakeSettings } from '../fixtures/snowflake-settings';

const settings = snowflakeSettings();

const driverError = (code: string | number, message: string) => Object.assign(new Error(message), { code });

describe('classifySnowflakeError', () => {
  it('turns a rejected key into a non-retryable auth error naming the key setting', () => {
    const err = classifySnowflakeError(driverError('390144', 'JWT token is invalid.'), settings);
    expect(err).toBeInstanceOf(SnowflakeAuthError);
    expect((err as Error).name).toBe('SnowflakeAuthError');
    expect((err as Error).message).toContain('SNOWPATROL_SVC@myorg-prod');
    expect((err as Error).message).toContain('SNOWFLAKE_PRIVATE_KEY_PATH');
    expect((err as Error).message).toContain('ALTER USER SNOWPATROL_SVC SET RSA_PUBLIC_KEY');
  });

  it('names the password setting for a wrong password', () => {
    const err = classifySnowflakeError(driverError(390100, 'Incorrect username or password was specified.'), {
      ...settings,
      auth: { kind: 'password', password: 'x' },
    });
    expect(err).toBeInstanceOf(SnowflakeAuthError);
    expect((err as Error).message).toContain('SNOWFLAKE_USER and SNOWFLAKE_PASSWORD');
  });

  it('turns a missing privilege on a usage view into the exact GRANT to run', () => {
    const err = classifySnowflakeError(
      driverError(
        '003001',
        "SQL access control error: Insufficient privileges to operate on view 'WAREHOUSE_METERING_HISTORY'",
      ),
      settings,
    );
    expect(err).toBeInstanceOf(SnowflakePrivilegeError);
    expect((err as Error).message).toContain(
      'GRANT DATABASE ROLE SNOWFLAKE.ORGANIZATION_USAGE_VIEWER TO ROLE SNOWPATROL',
    );
  });

  it('asks for the billing role when the currency view is not readable, and USAGE_VIEWER for ACCOUNT_USAGE', () => {
    const billing = classifySnowflakeError(
      driverError('002003', "SQL compilation error: View 'USAGE_IN_CURRENCY_DAILY' does not exist or not authorized."),
      settings,
    );
    expect((billing as Error).message).toContain('ORGANIZATION_BILLING_VIEWER');
    const account = classifySnowflakeError(driverError('003001', 'Insufficient privileges'), {
      ...settings,
      usageSchema: 'ACCOUNT_USAGE',
    });
    expect((account as Error).message).toContain('GRANT DATABASE ROLE SNOWFLAKE.USAGE_VIEWER TO ROLE SNOWPATROL');
  });

  it('leaves network failures, HTTP 5xx/429 and unknown errors unchanged, to be retried', () => {
    for (const err of [
      driverError('401001', 'Network error. Could not reach Snowflake.'),
      driverError('401002', 'Request to Snowflake failed. HTTP 503'),
      new Error('socket hang up'),
    ]) {
      expect(classifySnowflakeError(err, settings)).toBe(err);
    }
  });
});

test('a warehouse the role may not use asks for USAGE on that warehouse', () => {
  const err = classifySnowflakeError(
    driverError(
      '000606',
      "No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.",
    ),
    settings,
  );
  expect(err).toBeInstanceOf(SnowflakePrivilegeError);
  expect((err as Error).message).toContain('GRANT USAGE ON WAREHOUSE SNOWPATROL_WH TO ROLE SNOWPATROL');
});

test('an unknown account (HTTP 403 at login) is an auth error naming SNOWFLAKE_ACCOUNT; a 403 on a query is not', () => {
  const forbidden = () =>
    Object.assign(new Error('Request to Snowflake failed.'), { code: 401002, response: { statusCode: 403 } });
  const atLogin = classifySnowflakeError(forbidden(), settings, 'login');
  expect(atLogin).toBeInstanceOf(SnowflakeAuthError);
  expect((atLogin as Error).message).toContain('Check SNOWFLAKE_ACCOUNT');
  const later = forbidden();
  expect(classifySnowflakeError(later, settings, 'query')).toBe(later);
});
