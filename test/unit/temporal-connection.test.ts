/**
 * The Temporal connection: read by @temporalio/envconfig from TEMPORAL_* variables and/or a profile of a Temporal
 * config file (TOML), checked at start-up, and turned into the options every connection uses. A mistake is named
 * by the variable or profile key that holds it, all at once, and the API key never appears in a message.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, configSecrets, describeConfig, loadConfig, type Config } from '../../schemas/config';
import { parseTemporalConnection } from '../../schemas/temporal-connection';
import { connectOptions } from '../../client/temporal-target';
import { tempDir } from '../fixtures/temp-dir';

const API_KEY = 'eyJhbGciOiJFUzI1NiJ9.cloud-api-key-secret-part';

/** A client certificate and key (envconfig reads them as bytes; only the server would parse them). */
function certPair(dir: string): { cert: string; key: string; ca: string } {
  const file = (name: string, body: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, `-----BEGIN ${body}-----\n${name}\n-----END ${body}-----\n`);
    return p;
  };
  return {
    cert: file('client.pem', 'CERTIFICATE'),
    key: file('client.key', 'PRIVATE KEY'),
    ca: file('ca.pem', 'CERTIFICATE'),
  };
}

/** A Temporal config file with the given TOML body. */
function configFile(dir: string, toml: string): string {
  const p = path.join(dir, 'temporal.toml');
  fs.writeFileSync(p, toml);
  return p;
}

function problems(env: NodeJS.ProcessEnv, cwd: string): string[] {
  try {
    loadConfig(env, cwd);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).not.toContain(API_KEY);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the configuration to be rejected');
}

/** The options Connection.connect / NativeConnection.connect get for the configured server. */
function optionsOf(config: Config) {
  if (config.temporal.address === undefined) throw new Error('no address configured');
  return connectOptions({ ...config.temporal, address: config.temporal.address });
}

describe('Temporal connection from the environment', () => {
  it('nothing configured: the embedded dev server, plaintext, namespace "default"', () => {
    const home = tempDir(); // a HOME without ~/.config/temporalio/temporal.toml
    const config = loadConfig({ HOME: home }, home);
    expect(config.temporal).toMatchObject({ address: undefined, namespace: 'default', security: 'plaintext' });
    expect(describeConfig(config)).toMatchObject({ temporal: 'embedded dev server', temporalSecurity: 'plaintext' });
  });

  it('TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE alone: a plaintext connection to that server', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_NAMESPACE: 'finops' }, tempDir());
    expect(config.temporal).toMatchObject({
      address: 'temporal.internal:7233',
      namespace: 'finops',
      security: 'plaintext',
      profileName: undefined,
    });
    expect(optionsOf(config)).toEqual({ address: 'temporal.internal:7233' });
    expect(describeConfig(config)).toMatchObject({
      temporal: 'temporal.internal:7233',
      namespace: 'finops',
      temporalSecurity: 'plaintext',
    });
  });

  it('an API key turns TLS on (Temporal Cloud) and is never shown', () => {
    const config = loadConfig(
      {
        TEMPORAL_ADDRESS: 'us-east-1.aws.api.temporal.io:7233',
        TEMPORAL_NAMESPACE: 'finops.a1b2c',
        TEMPORAL_API_KEY: API_KEY,
      },
      tempDir(),
    );
    expect(config.temporal.security).toBe('API key');
    expect(optionsOf(config)).toEqual({ address: 'us-east-1.aws.api.temporal.io:7233', apiKey: API_KEY, tls: true });
    expect(describeConfig(config).temporalSecurity).toBe('API key');
    expect(JSON.stringify(describeConfig(config))).not.toContain(API_KEY);
    expect(configSecrets(config)).toContain(API_KEY);
  });

  it('TEMPORAL_TLS=false keeps an API key in plaintext (e.g. behind a local proxy), and says so', () => {
    const config = loadConfig(
      { TEMPORAL_ADDRESS: 'localhost:7233', TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS: 'false' },
      tempDir(),
    );
    expect(config.temporal.security).toBe('API key without TLS');
    expect(optionsOf(config)).toEqual({ address: 'localhost:7233', apiKey: API_KEY, tls: false });
  });

  it('mTLS from TEMPORAL_TLS_* paths, relative to the working directory; the files are read when connecting', () => {
    const dir = tempDir();
    certPair(dir);
    const config = loadConfig(
      {
        TEMPORAL_ADDRESS: 'finops.a1b2c.tmprl.cloud:7233',
        TEMPORAL_TLS_CLIENT_CERT_PATH: 'client.pem',
        TEMPORAL_TLS_CLIENT_KEY_PATH: 'client.key',
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: 'ca.pem',
        TEMPORAL_TLS_SERVER_NAME: 'temporal.example.com',
      },
      dir,
    );
    expect(config.temporal.security).toBe('mTLS');
    expect(optionsOf(config)).toEqual({
      address: 'finops.a1b2c.tmprl.cloud:7233',
      tls: {
        serverNameOverride: 'temporal.example.com',
        serverRootCACertificate: new Uint8Array(fs.readFileSync(path.join(dir, 'ca.pem'))),
        clientCertPair: {
          crt: new Uint8Array(fs.readFileSync(path.join(dir, 'client.pem'))),
          key: new Uint8Array(fs.readFileSync(path.join(dir, 'client.key'))),
        },
      },
    });
  });

  it('TEMPORAL_TLS=true with no files: server TLS with the system roots', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal.example.com:443', TEMPORAL_TLS: 'yes' }, tempDir());
    expect(config.temporal.security).toBe('TLS');
    expect(optionsOf(config).tls).toEqual({});
  });
});

describe('Temporal connection from a config file profile', () => {
  it('TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE: address, namespace and mTLS paths from the profile', () => {
    const dir = tempDir();
    const { cert, key } = certPair(dir);
    const file = configFile(
      dir,
      `[profile.default]
address = "localhost:7233"

[profile.prod]
address = "finops.a1b2c.tmprl.cloud:7233"
namespace = "finops.a1b2c"
[profile.prod.tls]
client_cert_path = "${cert}"
client_key_path = "${key}"
`,
    );
    const config = loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' }, dir);
    expect(config.temporal).toMatchObject({
      address: 'finops.a1b2c.tmprl.cloud:7233',
      namespace: 'finops.a1b2c',
      security: 'mTLS',
      profileName: 'prod',
      configFile: file,
    });
    expect(optionsOf(config).tls).toMatchObject({
      clientCertPair: { crt: new Uint8Array(fs.readFileSync(cert)), key: new Uint8Array(fs.readFileSync(key)) },
    });
    expect(describeConfig(config)).toMatchObject({
      temporal: 'finops.a1b2c.tmprl.cloud:7233',
      namespace: 'finops.a1b2c',
      temporalSecurity: 'mTLS',
      temporalProfile: `prod (${file})`,
    });
  });

  it('without TEMPORAL_PROFILE the "default" profile is used', () => {
    const dir = tempDir();
    const file = configFile(dir, '[profile.default]\naddress = "temporal.internal:7233"\nnamespace = "ops"\n');
    expect(loadConfig({ TEMPORAL_CONFIG_FILE: file }, dir).temporal).toMatchObject({
      address: 'temporal.internal:7233',
      namespace: 'ops',
      profileName: 'default',
    });
  });

  it("finds the Temporal CLI's own config file (~/.config/temporalio/temporal.toml) without TEMPORAL_CONFIG_FILE", () => {
    const home = tempDir();
    fs.mkdirSync(path.join(home, '.config', 'temporalio'), { recursive: true });
    const file = configFile(path.join(home, '.config', 'temporalio'), '[profile.default]\naddress = "10.0.0.5:7233"\n');
    expect(loadConfig({ HOME: home }, home).temporal).toMatchObject({ address: '10.0.0.5:7233', configFile: file });
  });

  it('variables override the profile: address, namespace, API key (which then turns TLS on)', () => {
    const dir = tempDir();
    const file = configFile(dir, '[profile.prod]\naddress = "old.example.com:7233"\nnamespace = "old"\n');
    const config = loadConfig(
      {
        TEMPORAL_CONFIG_FILE: file,
        TEMPORAL_PROFILE: 'prod',
        TEMPORAL_ADDRESS: 'new.example.com:7233',
        TEMPORAL_NAMESPACE: 'new',
        TEMPORAL_API_KEY: API_KEY,
      },
      dir,
    );
    expect(config.temporal).toMatchObject({
      address: 'new.example.com:7233',
      namespace: 'new',
      security: 'API key',
      profileName: 'prod',
    });
    expect(optionsOf(config)).toEqual({ address: 'new.example.com:7233', apiKey: API_KEY, tls: true });
  });

  it("TEMPORAL_TLS=false in the environment turns off the profile's TLS", () => {
    const dir = tempDir();
    const file = configFile(dir, '[profile.default]\naddress = "temporal.internal:7233"\n[profile.default.tls]\n');
    expect(loadConfig({ TEMPORAL_CONFIG_FILE: file }, dir).temporal.security).toBe('TLS');
    expect(loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_TLS: 'false' }, dir).temporal.security).toBe('plaintext');
  });

  it('an API key in the profile is a secret like any other', () => {
    const dir = tempDir();
    const file = configFile(dir, `[profile.cloud]\naddress = "a.tmprl.cloud:7233"\napi_key = "${API_KEY}"\n`);
    const config = loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' }, dir);
    expect(config.temporal.security).toBe('API key');
    expect(JSON.stringify(describeConfig(config))).not.toContain(API_KEY);
    expect(configSecrets(config)).toContain(API_KEY);
  });
});

describe('bad Temporal settings are named at start-up', () => {
  it('a certificate path that cannot be read names the variable and the path', () => {
    const dir = tempDir();
    const { key } = certPair(dir);
    const missing = path.join(dir, 'nope.pem');
    expect(
      problems(
        {
          TEMPORAL_ADDRESS: 'a.tmprl.cloud:7233',
          TEMPORAL_TLS_CLIENT_CERT_PATH: missing,
          TEMPORAL_TLS_CLIENT_KEY_PATH: key,
        },
        dir,
      ),
    ).toEqual([`TEMPORAL_TLS_CLIENT_CERT_PATH: cannot read ${missing}: no such file`]);
  });

  it('a certificate path in a profile that cannot be read names the profile, the file and the key', () => {
    const dir = tempDir();
    const file = configFile(
      dir,
      '[profile.prod]\naddress = "a.tmprl.cloud:7233"\n[profile.prod.tls]\nclient_cert_path = "missing.pem"\nclient_key_path = "missing.key"\n',
    );
    expect(problems({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' }, dir)).toEqual([
      `profile "prod" in ${file}: tls.client_cert_path: cannot read ${path.join(dir, 'missing.pem')}: no such file`,
      `profile "prod" in ${file}: tls.client_key_path: cannot read ${path.join(dir, 'missing.key')}: no such file`,
    ]);
  });

  it('a client certificate without its key, and a key without its certificate', () => {
    const dir = tempDir();
    const { cert, key } = certPair(dir);
    expect(problems({ TEMPORAL_ADDRESS: 'a.tmprl.cloud:7233', TEMPORAL_TLS_CLIENT_CERT_PATH: cert }, dir)).toEqual([
      'TEMPORAL_TLS_CLIENT_CERT_PATH: a client certificate needs its key (TEMPORAL_TLS_CLIENT_KEY_PATH)',
    ]);
    expect(problems({ TEMPORAL_ADDRESS: 'a.tmprl.cloud:7233', TEMPORAL_TLS_CLIENT_KEY_PATH: key }, dir)).toEqual([
      'TEMPORAL_TLS_CLIENT_KEY_PATH: a client key needs its certificate (TEMPORAL_TLS_CLIENT_CERT_PATH)',
    ]);
  });

  it('an unknown profile name lists the profiles the file has', () => {
    const dir = tempDir();
    const file = configFile(dir, '[profile.default]\naddress = "x:7233"\n[profile.staging]\naddress = "y:7233"\n');
    expect(problems({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' }, dir)).toEqual([
      `TEMPORAL_PROFILE: no profile "prod" in ${file} (it has: default, staging)`,
    ]);
  });

  it('a profile name with no config file anywhere', () => {
    const home = tempDir();
    expect(problems({ HOME: home, TEMPORAL_PROFILE: 'prod' }, home)).toEqual([
      'TEMPORAL_PROFILE: no config file to find profile "prod" in (set TEMPORAL_CONFIG_FILE, or create ' +
        `${path.join(home, '.config', 'temporalio', 'temporal.toml')})`,
    ]);
  });

  it('a chosen profile without an address (a typo in the key would otherwise mean the dev server)', () => {
    const dir = tempDir();
    const file = configFile(dir, '[profile.prod]\nadress = "a.tmprl.cloud:7233"\n');
    expect(problems({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' }, dir)).toEqual([
      `TEMPORAL_PROFILE: profile "prod" in ${file} has no address (add address = "host:port" to it, or set TEMPORAL_ADDRESS)`,
    ]);
  });

  it('TEMPORAL_CONFIG_FILE that does not exist', () => {
    const dir = tempDir();
    expect(problems({ TEMPORAL_CONFIG_FILE: 'temporal.toml' }, dir)).toEqual([
      `TEMPORAL_CONFIG_FILE: cannot read ${path.join(dir, 'temporal.toml')}: no such file`,
    ]);
  });

  it('a config file that is not TOML: line and column, never the line itself (it may hold the API key)', () => {
    const dir = tempDir();
    const file = configFile(dir, `[profile.default]\naddress = "a:7233"\napi_key = "${API_KEY}\n`);
    const [problem, ...rest] = problems({ TEMPORAL_CONFIG_FILE: file }, dir);
    expect(rest).toEqual([]);
    expect(problem).toMatch(
      new RegExp(
        `^TEMPORAL_CONFIG_FILE: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid TOML at line 3, column \\d+: `,
      ),
    );
    expect(problem).not.toContain('cloud-api-key');
  });

  it('an API key without an address (the embedded dev server takes none)', () => {
    const home = tempDir();
    expect(problems({ HOME: home, TEMPORAL_API_KEY: API_KEY }, home)).toEqual([
      'TEMPORAL_API_KEY: set, but no TEMPORAL_ADDRESS (or profile address) to use it with; ' +
        'without an address snowpatrol uses the embedded dev server, which takes neither',
    ]);
  });

  it.each([
    ['http://temporal.example.com:7233', 'must be host:port without a scheme, got "http://temporal.example.com:7233"'],
    [
      'temporal.example.com',
      'must be host:port (e.g. my-namespace.a1b2c.tmprl.cloud:7233), got "temporal.example.com"',
    ],
    ['temporal.example.com:99999', 'port must be 1-65535, got "temporal.example.com:99999"'],
  ])('TEMPORAL_ADDRESS=%p', (address, message) => {
    expect(problems({ TEMPORAL_ADDRESS: address }, tempDir())).toEqual([`TEMPORAL_ADDRESS: ${message}`]);
  });

  it('accepts IPv6 addresses in brackets', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: '[::1]:7233' }, tempDir()).temporal.address).toBe('[::1]:7233');
  });

  it('every problem at once, with the others in the config', () => {
    const dir = tempDir();
    const { cert } = certPair(dir);
    const found = problems(
      {
        TEMPORAL_ADDRESS: 'nohostport',
        TEMPORAL_TLS: 'maybe',
        TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
        TEMPORAL_API_KEY: API_KEY,
        SNOWPATROL_METRICS_PORT: '70000',
      },
      dir,
    );
    expect(found).toEqual(
      expect.arrayContaining([
        'TEMPORAL_TLS: must be true or false, got "maybe"',
        expect.stringMatching(/^TEMPORAL_ADDRESS: must be host:port/),
        'TEMPORAL_TLS_CLIENT_CERT_PATH: a client certificate needs its key (TEMPORAL_TLS_CLIENT_KEY_PATH)',
        'SNOWPATROL_METRICS_PORT: must be a port number from 1 to 65535, got "70000"',
      ]),
    );
    expect(found).toHaveLength(4);
  });

  it('empty variables count as unset', () => {
    const home = tempDir();
    const settings = parseTemporalConnection(
      { HOME: home, TEMPORAL_ADDRESS: '', TEMPORAL_API_KEY: ' ', TEMPORAL_TLS: '', TEMPORAL_PROFILE: '' },
      home,
    );
    expect(settings.problems).toEqual([]);
    expect(settings.settings).toMatchObject({ address: undefined, security: 'plaintext' });
  });
});
