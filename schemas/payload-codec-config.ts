/**
 * Optional encryption of Temporal payloads (workflow and activity inputs, results, heartbeats, memos, summaries):
 * the AES-256-GCM key new payloads are encrypted with, and every key a stored payload may be decrypted with, each
 * known by a key id that travels in the payload's metadata. Read from SNOWPATROL_PAYLOAD_*; problems name the
 * variable and never contain key material.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The environment variables read here. */
export const PAYLOAD_KEY_ENV = [
  'SNOWPATROL_PAYLOAD_KEY',
  'SNOWPATROL_PAYLOAD_KEY_FILE',
  'SNOWPATROL_PAYLOAD_KEY_ID',
  'SNOWPATROL_PAYLOAD_OLD_KEYS',
] as const;

/** AES-256: 32 bytes. */
export const PAYLOAD_KEY_BYTES = 32;

/** How to make a key, for messages. */
export const MAKE_A_KEY = '`openssl rand -base64 32`';

/** A key id: what the payload metadata and the settings name a key by. */
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** One AES-256 key and its id. `key` is secret: never log it. */
export interface PayloadKey {
  id: string;
  key: Buffer;
}

/** The payload keys. Holds key material: never log it (see `payloadKeySecrets`). */
export interface PayloadEncryptionSettings {
  /** The key new payloads are encrypted with; undefined: new payloads are stored as they are (decrypt-only). */
  current: PayloadKey | undefined;
  /** Every key a stored payload may be decrypted with: the current one first, then SNOWPATROL_PAYLOAD_OLD_KEYS. */
  keys: PayloadKey[];
}

export interface ParsedPayloadEncryption {
  /** Undefined when no key is configured: payloads are stored as they are. */
  settings: PayloadEncryptionSettings | undefined;
  problems: string[];
}

function text(env: NodeJS.ProcessEnv, key: string): string | undefined {
  const value = env[key]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The key id used when SNOWPATROL_PAYLOAD_KEY_ID is unset: derived from the key (a one-way hash), so a new key
 * gets a new id without anyone choosing one and old payloads still name the key that opens them.
 */
export function derivedKeyId(key: Buffer): string {
  return `k-${crypto.createHash('sha256').update('snowpatrol-payload-key-id\0').update(key).digest('hex').slice(0, 12)}`;
}

/**
 * 32 bytes from base64 (standard or URL-safe alphabet, padding optional), or why not — without echoing the value.
 */
export function decodeKey(value: string): { key: Buffer } | { problem: string } {
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) {
    return {
      problem: `must be the base64 of ${PAYLOAD_KEY_BYTES} random bytes (e.g. ${MAKE_A_KEY}); it is not base64`,
    };
  }
  const key = Buffer.from(compact.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== PAYLOAD_KEY_BYTES) {
    return {
      problem:
        `must be the base64 of ${PAYLOAD_KEY_BYTES} random bytes (AES-256; e.g. ${MAKE_A_KEY}); ` +
        `it decodes to ${key.length} bytes`,
    };
  }
  return { key };
}

/** Parse SNOWPATROL_PAYLOAD_* from `env` (a key file relative to `cwd`). */
export function parsePayloadEncryption(env: NodeJS.ProcessEnv, cwd: string): ParsedPayloadEncryption {
  const problems: string[] = [];
  const current = currentKey(env, cwd, problems);
  const old = oldKeys(env, problems);

  const keys: PayloadKey[] = current ? [current] : [];
  for (const { key, id, entry } of old) {
    const same = keys.find((k) => k.id === id);
    if (same === undefined) keys.push({ id, key });
    else if (!same.key.equals(key)) {
      const where = same === current ? 'the current key (SNOWPATROL_PAYLOAD_KEY_ID)' : 'an earlier entry';
      problems.push(`SNOWPATROL_PAYLOAD_OLD_KEYS: entry ${entry} has key id "${id}", which ${where} already has`);
    }
  }
  if (problems.length > 0 || keys.length === 0) return { settings: undefined, problems };
  return { settings: { current, keys }, problems };
}

function currentKey(env: NodeJS.ProcessEnv, cwd: string, problems: string[]): PayloadKey | undefined {
  const inline = text(env, 'SNOWPATROL_PAYLOAD_KEY');
  const file = text(env, 'SNOWPATROL_PAYLOAD_KEY_FILE');
  const id = text(env, 'SNOWPATROL_PAYLOAD_KEY_ID');
  if (id !== undefined && !KEY_ID.test(id)) {
    problems.push(`SNOWPATROL_PAYLOAD_KEY_ID: must be 1 to 64 letters, digits, ".", "_" or "-", got "${id}"`);
  }
  if (inline !== undefined && file !== undefined) {
    problems.push('SNOWPATROL_PAYLOAD_KEY: set it or SNOWPATROL_PAYLOAD_KEY_FILE, not both');
    return undefined;
  }
  let decoded: ReturnType<typeof decodeKey> | undefined;
  if (inline !== undefined) {
    decoded = decodeKey(inline);
    if ('problem' in decoded) problems.push(`SNOWPATROL_PAYLOAD_KEY: ${decoded.problem}`);
  } else if (file !== undefined) {
    const resolved = path.resolve(cwd, file);
    let content: string;
    try {
      content = fs.readFileSync(resolved, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EACCES'
            ? 'permission denied'
            : code === 'EISDIR'
              ? 'it is a directory'
              : (code ?? String(err));
      problems.push(`SNOWPATROL_PAYLOAD_KEY_FILE: cannot read ${resolved}: ${why}`);
      return undefined;
    }
    decoded = decodeKey(content);
    if ('problem' in decoded) problems.push(`SNOWPATROL_PAYLOAD_KEY_FILE: ${resolved} ${decoded.problem}`);
  } else if (id !== undefined) {
    problems.push(
      'SNOWPATROL_PAYLOAD_KEY_ID: set, but there is no key to go with it ' +
        '(set SNOWPATROL_PAYLOAD_KEY or SNOWPATROL_PAYLOAD_KEY_FILE)',
    );
  }
  if (decoded === undefined || 'problem' in decoded) return undefined;
  return { id: id ?? derivedKeyId(decoded.key), key: decoded.key };
}

/** `id:base64` or bare `base64` (id derived), separated by commas or whitespace. */
function oldKeys(env: NodeJS.ProcessEnv, problems: string[]): { id: string; key: Buffer; entry: number }[] {
  const value = text(env, 'SNOWPATROL_PAYLOAD_OLD_KEYS');
  if (value === undefined) return [];
  const keys: { id: string; key: Buffer; entry: number }[] = [];
  for (const [index, item] of value
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .entries()) {
    const entry = index + 1;
    const colon = item.indexOf(':');
    const id = colon === -1 ? undefined : item.slice(0, colon);
    if (id !== undefined && !KEY_ID.test(id)) {
      problems.push(
        `SNOWPATROL_PAYLOAD_OLD_KEYS: entry ${entry}: the key id before ":" must be 1 to 64 letters, digits, ` +
          '".", "_" or "-"',
      );
      continue;
    }
    const decoded = decodeKey(colon === -1 ? item : item.slice(colon + 1));
    if ('problem' in decoded) {
      problems.push(`SNOWPATROL_PAYLOAD_OLD_KEYS: entry ${entry} (write id:base64 or base64): ${decoded.problem}`);
      continue;
    }
    keys.push({ id: id ?? derivedKeyId(decoded.key), key: decoded.key, entry });
  }
  return keys;
}

/** The key material in every form it may be written in, for log redaction. */
export function payloadKeySecrets(settings: PayloadEncryptionSettings | undefined): string[] {
  return (settings?.keys ?? []).flatMap(({ key }) => {
    const base64 = key.toString('base64');
    return [base64, base64.replace(/=+$/, ''), key.toString('base64url')];
  });
}

/** `encrypting with key k-…` / `decrypt-only (2 keys)` / `off`, for start-up lines. Names ids, never keys. */
export function describePayloadEncryption(settings: PayloadEncryptionSettings | undefined): string {
  if (settings === undefined) return 'off';
  const others = settings.keys.filter((k) => k !== settings.current).map((k) => k.id);
  const old = others.length > 0 ? `; decrypts also ${others.join(', ')}` : '';
  if (settings.current === undefined) return `decrypt-only (keys ${others.join(', ')}); new payloads not encrypted`;
  return `AES-256-GCM with key ${settings.current.id}${old}`;
}
