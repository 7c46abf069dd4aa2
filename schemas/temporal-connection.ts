/**
 * Which Temporal server to talk to and how: a profile of a Temporal config file (TOML) and/or TEMPORAL_*
 * variables, read by `@temporalio/envconfig` exactly as the Temporal CLI and SDKs read them, then checked, so that
 * a bad setting is reported at start-up by the variable (or TOML key) that holds it. Every connection the project
 * makes — CLI client, worker, schedules, status, replay — is built from the one description this returns.
 * Without an address (from the environment or a profile) snowpatrol keeps using the embedded dev server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  loadClientConfig,
  loadClientConfigProfile,
  type ClientConfigProfile,
  type ConfigDataSource,
} from '@temporalio/envconfig';
import { parsePayloadEncryption, payloadKeySecrets, type PayloadEncryptionSettings } from './payload-codec-config';

/** The environment variables read here: `@temporalio/envconfig`'s own names. */
export const TEMPORAL_CONNECTION_ENV = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_PROFILE',
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
] as const;

/** How the connection is secured, as `describeConfig` shows it. */
export type TemporalSecurity = 'plaintext' | 'TLS' | 'mTLS' | 'API key' | 'mTLS + API key' | 'API key without TLS';

/** The validated description of the Temporal connection. Holds the API key: never log it whole. */
export interface TemporalConnectionSettings {
  /** `host:port`; undefined: the embedded dev server (started here, or already on the dev port). */
  address: string | undefined;
  namespace: string;
  security: TemporalSecurity;
  /** The profile used, when a config file supplied one. */
  profileName: string | undefined;
  /** The config file the profile came from. */
  configFile: string | undefined;
  /**
   * envconfig's profile after environment overrides, with relative certificate paths resolved against the
   * working directory; connection options are built from it (`toClientOptions`) when connecting.
   */
  profile: ClientConfigProfile;
  /**
   * Payload encryption keys (SNOWPATROL_PAYLOAD_*), for the data converter of every client, worker and replay;
   * unset: payloads are stored as they are. Holds key material: never log it.
   */
  payloadEncryption?: PayloadEncryptionSettings;
}

export interface ParsedTemporalConnection {
  settings: TemporalConnectionSettings;
  problems: string[];
}

type TlsFile = 'clientCert' | 'clientKey' | 'serverCACert';

/** Where each TLS file can be set: the variables and the TOML keys (in `[profile.<name>.tls]`). */
const TLS_FILES: Record<TlsFile, { pathEnv: string; dataEnv: string; toml: string }> = {
  clientCert: {
    pathEnv: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
    dataEnv: 'TEMPORAL_TLS_CLIENT_CERT_DATA',
    toml: 'client_cert',
  },
  clientKey: {
    pathEnv: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
    dataEnv: 'TEMPORAL_TLS_CLIENT_KEY_DATA',
    toml: 'client_key',
  },
  serverCACert: {
    pathEnv: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    dataEnv: 'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
    toml: 'server_ca_cert',
  },
};

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

/**
 * Parse the Temporal connection from `env` (file paths relative to `cwd`). Problems name the variable or the
 * profile key at fault and never contain the API key or key material.
 */
export function parseTemporalConnection(env: NodeJS.ProcessEnv, cwd: string): ParsedTemporalConnection {
  const problems: string[] = [];
  const overrides = envOverrides(env, cwd, problems);
  const file = locateConfigFile(env, cwd, problems);
  const { profile, profileName, loaded } = loadProfile(env, file, overrides, problems);
  const where: Where = (envKey, tomlKey) =>
    overrides[envKey] !== undefined ? envKey : `profile "${profileName}" in ${file.path}: ${tomlKey}`;

  if (profile.address !== undefined) {
    const bad = addressProblem(profile.address);
    if (bad) problems.push(`${where('TEMPORAL_ADDRESS', 'address')}: ${bad}`);
  } else if (profileName !== undefined && text(env, 'TEMPORAL_PROFILE') !== undefined) {
    problems.push(
      `TEMPORAL_PROFILE: profile "${profileName}" in ${file.path} has no address ` +
        '(add address = "host:port" to it, or set TEMPORAL_ADDRESS)',
    );
  }
  const tls = profile.tls && checkTls(profile.tls, cwd, where, problems);
  const tlsOn = tls !== undefined ? tls.disabled !== true : profile.apiKey !== undefined;
  if (loaded && profile.address === undefined && (profile.apiKey !== undefined || (tls && tlsOn))) {
    const which = profile.apiKey !== undefined ? where('TEMPORAL_API_KEY', 'api_key') : 'the TLS settings';
    problems.push(
      `${which}: set, but no TEMPORAL_ADDRESS (or profile address) to use it with; ` +
        'without an address snowpatrol uses the embedded dev server, which takes neither',
    );
  }
  const payloadEncryption = parsePayloadEncryption(env, cwd);
  problems.push(...payloadEncryption.problems);

  return {
    settings: {
      address: profile.address,
      namespace: profile.namespace ?? 'default',
      security: securityOf(tlsOn, tls, profile.apiKey !== undefined),
      profileName,
      configFile: profileName !== undefined ? file.path : undefined,
      profile: { ...profile, ...(tls && { tls }) },
      ...(payloadEncryption.settings && { payloadEncryption: payloadEncryption.settings }),
    },
    problems,
  };
}

/** Names where a setting came from: the variable when it is set, else the key in the profile. */
type Where = (envKey: string, tomlKey: string) => string;

function text(env: NodeJS.ProcessEnv, key: string): string | undefined {
  const value = env[key]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The variables envconfig applies over the profile, cleaned the way the rest of the config is: empty means unset,
 * booleans take the usual words, relative paths are relative to cwd.
 */
function envOverrides(env: NodeJS.ProcessEnv, cwd: string, problems: string[]): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const key of TEMPORAL_CONNECTION_ENV) {
    const value = text(env, key);
    if (value === undefined || key === 'TEMPORAL_PROFILE' || key === 'TEMPORAL_CONFIG_FILE') continue;
    overrides[key] = key.endsWith('_PATH') ? path.resolve(cwd, value) : value;
  }
  const flag = overrides.TEMPORAL_TLS?.toLowerCase();
  if (flag !== undefined) {
    if (TRUE.includes(flag)) overrides.TEMPORAL_TLS = 'true';
    else if (FALSE.includes(flag)) overrides.TEMPORAL_TLS = 'false';
    else {
      problems.push(`TEMPORAL_TLS: must be true or false, got "${overrides.TEMPORAL_TLS}"`);
      delete overrides.TEMPORAL_TLS;
    }
  }
  for (const file of Object.values(TLS_FILES)) {
    if (overrides[file.pathEnv] !== undefined && overrides[file.dataEnv] !== undefined) {
      problems.push(`${file.pathEnv}: set it or ${file.dataEnv}, not both`);
      delete overrides[file.dataEnv];
    }
  }
  return overrides;
}

interface ConfigFileLookup {
  /** The readable, valid config file, if any. */
  path: string | undefined;
  /** Its profile names (empty without a file); undefined when the file is unusable (a problem is recorded). */
  profiles: string[] | undefined;
}

/** TEMPORAL_CONFIG_FILE (which must be readable TOML), else the Temporal CLI's default file when it exists. */
function locateConfigFile(env: NodeJS.ProcessEnv, cwd: string, problems: string[]): ConfigFileLookup {
  const explicit = text(env, 'TEMPORAL_CONFIG_FILE');
  if (explicit !== undefined) {
    const file = path.resolve(cwd, explicit);
    const unreadable = whyUnreadable(file);
    if (unreadable) {
      problems.push(`TEMPORAL_CONFIG_FILE: cannot read ${file}: ${unreadable}`);
      return { path: undefined, profiles: undefined };
    }
    return { path: file, profiles: profileNames(file, 'TEMPORAL_CONFIG_FILE', problems) };
  }
  const file = defaultConfigFile(env);
  if (file === undefined || whyUnreadable(file) !== undefined) return { path: undefined, profiles: [] };
  return { path: file, profiles: profileNames(file, 'the Temporal config file', problems) };
}

/** envconfig's profile (TEMPORAL_PROFILE, else "default" when the file has one) with the variables applied. */
function loadProfile(
  env: NodeJS.ProcessEnv,
  file: ConfigFileLookup,
  overrides: Record<string, string>,
  problems: string[],
): { profile: ClientConfigProfile; profileName: string | undefined; loaded: boolean } {
  const notLoaded = { profile: {}, profileName: undefined, loaded: false };
  const requested = text(env, 'TEMPORAL_PROFILE');
  if (file.profiles === undefined) return notLoaded;
  if (requested !== undefined && file.path === undefined) {
    problems.push(
      `TEMPORAL_PROFILE: no config file to find profile "${requested}" in ` +
        `(set TEMPORAL_CONFIG_FILE, or create ${defaultConfigFile(env) ?? 'a temporal.toml'})`,
    );
    return notLoaded;
  }
  if (requested !== undefined && !file.profiles.includes(requested)) {
    const has = file.profiles.length > 0 ? `it has: ${file.profiles.join(', ')}` : 'it has no [profile.<name>] tables';
    problems.push(`TEMPORAL_PROFILE: no profile "${requested}" in ${file.path} (${has})`);
    return notLoaded;
  }
  const profileName =
    file.path !== undefined ? (requested ?? (file.profiles.includes('default') ? 'default' : undefined)) : undefined;
  try {
    const profile = loadClientConfigProfile({
      profile: profileName,
      ...(profileName !== undefined ? { configSource: { path: file.path! } } : { disableFile: true }),
      overrideEnvVars: overrides,
    });
    return { profile, profileName, loaded: true };
  } catch (err) {
    const from = profileName !== undefined ? `profile "${profileName}" in ${file.path} and ` : '';
    problems.push(`Temporal TLS settings (${from}TEMPORAL_TLS_*): ${(err as Error).message}`);
    return notLoaded;
  }
}

/** The TLS settings with certificate paths resolved against cwd; records unreadable files and half pairs. */
function checkTls(
  given: NonNullable<ClientConfigProfile['tls']>,
  cwd: string,
  where: Where,
  problems: string[],
): NonNullable<ClientConfigProfile['tls']> {
  const tls = { ...given };
  const named = (key: TlsFile) => {
    const f = TLS_FILES[key];
    const viaData = tls[key] !== undefined && 'data' in tls[key];
    return where(viaData ? f.dataEnv : f.pathEnv, `tls.${f.toml}_${viaData ? 'data' : 'path'}`);
  };
  for (const key of Object.keys(TLS_FILES) as TlsFile[]) {
    const source = tls[key];
    if (source === undefined || !('path' in source)) continue;
    tls[key] = { path: path.resolve(cwd, source.path) };
    const unreadable = whyUnreadable(tls[key].path);
    if (unreadable) problems.push(`${named(key)}: cannot read ${tls[key].path}: ${unreadable}`);
  }
  if (tls.clientCert !== undefined && tls.clientKey === undefined) {
    problems.push(`${named('clientCert')}: a client certificate needs its key (TEMPORAL_TLS_CLIENT_KEY_PATH)`);
  }
  if (tls.clientKey !== undefined && tls.clientCert === undefined) {
    problems.push(`${named('clientKey')}: a client key needs its certificate (TEMPORAL_TLS_CLIENT_CERT_PATH)`);
  }
  if (tls.disabled === true && (tls.clientCert !== undefined || tls.serverCACert !== undefined)) {
    problems.push(
      `${where('TEMPORAL_TLS', 'tls.disabled')}: TLS is off, yet certificates are configured: turn TLS on or remove them`,
    );
  }
  return tls;
}

function securityOf(tlsOn: boolean, tls: ClientConfigProfile['tls'], apiKey: boolean): TemporalSecurity {
  const mtls = tlsOn && tls?.clientCert !== undefined && tls.clientKey !== undefined;
  if (mtls) return apiKey ? 'mTLS + API key' : 'mTLS';
  if (apiKey) return tlsOn ? 'API key' : 'API key without TLS';
  return tlsOn ? 'TLS' : 'plaintext';
}

/** Why `host:port` is not one, or undefined when it is. */
function addressProblem(address: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(address)) {
    return `must be host:port without a scheme, got "${address}"`;
  }
  const match = /^(\[[0-9a-f:.]+\]|[^\s:/[\]]+):(\d{1,5})$/i.exec(address);
  if (!match) return `must be host:port (e.g. my-namespace.a1b2c.tmprl.cloud:7233), got "${address}"`;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return `port must be 1-65535, got "${address}"`;
  return undefined;
}

/**
 * The profile names in a config file, or undefined (and a problem naming the line and column only: the parser's
 * own message quotes the offending line, which may hold an API key) when it is not valid TOML.
 */
function profileNames(file: string, label: string, problems: string[]): string[] | undefined {
  try {
    return Object.keys(loadClientConfig({ configSource: { path: file } }).profiles);
  } catch (err) {
    const e = err as Error & { line?: number; column?: number };
    const first = e.message.split('\n')[0].replace(/^Invalid TOML document:\s*/, '');
    const at = e.line !== undefined ? ` at line ${e.line}, column ${e.column}` : '';
    problems.push(`${label}: ${file} is not valid TOML${at}: ${first}`);
    return undefined;
  }
}

/** Why a file cannot be read, in a few words, or undefined when it can. */
function whyUnreadable(file: string): string | undefined {
  try {
    if (!fs.statSync(file).isFile()) return 'not a file';
    fs.accessSync(file, fs.constants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EACCES') return 'permission denied';
    return code ?? (err as Error).message;
  }
}

/** The file the Temporal CLI and envconfig read when TEMPORAL_CONFIG_FILE is unset. */
export function defaultConfigFile(env: NodeJS.ProcessEnv): string | undefined {
  let dir: string | undefined;
  if (os.platform() === 'win32') dir = env.APPDATA || undefined;
  else if (os.platform() === 'darwin')
    dir = env.HOME ? path.join(env.HOME, 'Library', 'Application Support') : undefined;
  else if (env.XDG_CONFIG_HOME) dir = path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : undefined;
  else dir = env.HOME ? path.join(env.HOME, '.config') : undefined;
  return dir === undefined ? undefined : path.join(dir, 'temporalio', 'temporal.toml');
}

/** The secret parts of the connection settings, for log redaction. */
export function temporalSecrets(settings: TemporalConnectionSettings): string[] {
  const secrets: string[] = [];
  if (settings.profile.apiKey) secrets.push(settings.profile.apiKey);
  const key: ConfigDataSource | undefined = settings.profile.tls?.clientKey;
  if (key !== undefined && 'data' in key) secrets.push(Buffer.from(key.data).toString('utf8').trim());
  secrets.push(...payloadKeySecrets(settings.payloadEncryption));
  return secrets;
}
