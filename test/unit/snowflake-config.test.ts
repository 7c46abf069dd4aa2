import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, describeConfig, loadConfig } from '../../schemas/config';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-sfcfg-'));
const keyPath = path.join(dir, 'rsa_key.p8');
fs.writeFileSync(keyPath, '-----BEGIN PRIVATE KEY-----\nMIIE…\n-----END PRIVATE KEY-----\n');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const keyPair = {
  SNOWFLAKE_ACCOUNT: 'myorg-prod',
  SNOWFLAKE_USER: 'SNOWPATROL_SVC',
  SNOWFLAKE_PRIVATE_KEY_PATH: keyPath,
};

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env, dir);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('Snowflake settings', () => {
  it('are absent, and the source is demo, when no SNOWFLAKE_ variable is set', () => {
    const config = loadConfig({}, dir);
    expect(config.snowflake).toBeUndefined();
    expect(config.source).toBe('demo');
  });

  it('make snowflake the default source, with key-pair auth and ORGANIZATION_USAGE by default', () => {
    const config = loadConfig({ ...keyPair, SNOWFLAKE_ROLE: 'SNOWPATROL', SNOWFLAKE_WAREHOUSE: 'SNOWPATROL_WH' }, dir);
    expect(config.source).toBe('snowflake');
    expect(config.snowflake).toMatchObject({
      account: 'myorg-prod',
      user: 'SNOWPATROL_SVC',
      role: 'SNOWPATROL',
      warehouse: 'SNOWPATROL_WH',
      auth: { kind: 'key-pair', privateKeyPath: keyPath, passphrase: undefined },
      usageSchema: 'ORGANIZATION_USAGE',
      accounts: undefined,
      accountLabel: 'MYORG-PROD',
    });
  });

  it('resolve a relative key path against the working directory and read an account filter', () => {
    const config = loadConfig(
      { ...keyPair, SNOWFLAKE_PRIVATE_KEY_PATH: 'rsa_key.p8', SNOWFLAKE_ACCOUNTS: 'prod, analytics' },
      dir,
    );
    expect(config.snowflake?.auth).toMatchObject({ privateKeyPath: keyPath });
    expect(config.snowflake?.accounts).toEqual(['PROD', 'ANALYTICS']);
  });

  it('name every missing or bad setting at once', () => {
    const found = problems({
      SNOWFLAKE_USER: 'x',
      SNOWFLAKE_USAGE_SCHEMA: 'INFORMATION_SCHEMA',
      SNOWPATROL_PRICE_PER_CREDIT: 'cheap',
    });
    expect(found.join('\n')).toMatch(/SNOWFLAKE_ACCOUNT: required/);
    expect(found.join('\n')).toMatch(
      /SNOWFLAKE_PRIVATE_KEY_PATH \(recommended\) or SNOWFLAKE_PASSWORD: one is required/,
    );
    expect(found.join('\n')).toMatch(/SNOWFLAKE_USAGE_SCHEMA: expected ORGANIZATION_USAGE or ACCOUNT_USAGE/);
    expect(found.join('\n')).toMatch(/SNOWPATROL_PRICE_PER_CREDIT: must be a positive number, got "cheap"/);
  });

  it('reject both a password and a key, an unreadable key file, and a file that is not a key', () => {
    expect(problems({ ...keyPair, SNOWFLAKE_PASSWORD: 'pw' }).join()).toMatch(/both set: choose one/);
    expect(problems({ ...keyPair, SNOWFLAKE_PRIVATE_KEY_PATH: 'missing.p8' }).join()).toMatch(
      /cannot read .*missing\.p8 \(ENOENT\)/,
    );
    const notKey = path.join(dir, 'notes.txt');
    fs.writeFileSync(notKey, 'hello');
    expect(problems({ ...keyPair, SNOWFLAKE_PRIVATE_KEY_PATH: notKey }).join()).toMatch(/is not a PEM private key/);
  });

  it('never show the password in the log-safe description', () => {
    const config = loadConfig(
      { SNOWFLAKE_ACCOUNT: 'a', SNOWFLAKE_USER: 'u', SNOWFLAKE_PASSWORD: 'hunter2-secret' },
      dir,
    );
    expect(config.snowflake?.auth).toEqual({ kind: 'password', password: 'hunter2-secret' });
    const described = JSON.stringify(describeConfig(config));
    expect(described).toContain('u@a (password, ORGANIZATION_USAGE)');
    expect(described).not.toContain('hunter2');
  });
});
