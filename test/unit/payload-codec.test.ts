/**
 * The payload encryption codec and its settings: payloads round-trip through AES-256-GCM whole (metadata too),
 * carry the key id that opens them, fail loudly when altered or when their key is missing, and old keys keep old
 * payloads readable after a rotation. A bad key setting is a configuration error naming the variable, never the key.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ConfigError, configSecrets, loadConfig } from '../../schemas/config';
import {
  decodeKey,
  derivedKeyId,
  describePayloadEncryption,
  parsePayloadEncryption,
  type PayloadEncryptionSettings,
} from '../../schemas/payload-codec-config';
import { createRedactor } from '../../worker/logging';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  KEY_ID_METADATA,
  PayloadDecryptionError,
  isEncrypted,
  keyIdOf,
} from '../../worker/payload-codec';
import { tempDir } from '../fixtures/temp-dir';

const newKey = () => crypto.randomBytes(32);
const b64 = (key: Buffer) => key.toString('base64');

/** Settings as SNOWPATROL_PAYLOAD_* would give them; throws with the problems when they are rejected. */
function settingsFrom(env: Record<string, string>, cwd = process.cwd()): PayloadEncryptionSettings {
  const { settings, problems } = parsePayloadEncryption(env, cwd);
  if (problems.length > 0 || settings === undefined) throw new Error(problems.join('\n') || 'no key configured');
  return settings;
}

function problemsOf(env: Record<string, string>, cwd = process.cwd()): string[] {
  return parsePayloadEncryption(env, cwd).problems;
}

const payloadOf = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const valueOf = (payload: Payload): unknown => defaultPayloadConverter.fromPayload(payload);
const text = (payload: Payload) => Buffer.from(payload.data ?? []).toString('latin1');

describe('EncryptionCodec', () => {
  const key = newKey();
  const codec = new EncryptionCodec(
    settingsFrom({ SNOWPATROL_PAYLOAD_KEY: b64(key), SNOWPATROL_PAYLOAD_KEY_ID: 'k1' }),
  );

  test('round-trips values of every kind, and the stored bytes hold none of the plaintext', async () => {
    const values = [
      { asOf: '2026-03-31', warehouses: ['ACME_PROD.ETL_WH'], n: 3 },
      'ACME_PROD',
      null,
      [1, 2.5, 'x'],
      new Uint8Array([0, 1, 2, 255]),
    ];
    const encoded = await codec.encode(values.map(payloadOf));
    expect(encoded).toHaveLength(values.length);
    for (const payload of encoded) {
      expect(isEncrypted(payload)).toBe(true);
      expect(keyIdOf(payload)).toBe('k1');
      // The inner encoding (json/plain …) is encrypted too: only the codec's own metadata is readable.
      expect(Object.keys(payload.metadata ?? {}).sort()).toEqual(['encoding', 'encryption-cipher', KEY_ID_METADATA]);
      expect(text(payload)).not.toMatch(/2026-03-31|ACME_PROD|json/);
    }
    const decoded = await codec.decode(encoded);
    expect(decoded.map(valueOf)).toEqual(values);
  });

  test('the same value encrypts differently each time (random IV)', async () => {
    const [a, b] = await codec.encode([payloadOf('same'), payloadOf('same')]);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
  });

  test('an altered payload, or an altered key id, fails authentication and names the key id', async () => {
    const [payload] = await codec.encode([payloadOf({ credits: 12.5 })]);
    const flipped = Buffer.from(payload.data!);
    flipped[20] ^= 0x01;
    await expect(codec.decode([{ ...payload, data: flipped }])).rejects.toThrow(
      /key "k1": it fails authentication — the payload was altered/,
    );
    const truncated = Buffer.from(payload.data!).subarray(0, 10);
    await expect(codec.decode([{ ...payload, data: truncated }])).rejects.toThrow(/key "k1": it is truncated/);

    // Re-labelled with another configured key's id: that key cannot open it either.
    const both = new EncryptionCodec(
      settingsFrom({
        SNOWPATROL_PAYLOAD_KEY: b64(key),
        SNOWPATROL_PAYLOAD_KEY_ID: 'k1',
        SNOWPATROL_PAYLOAD_OLD_KEYS: `k0:${b64(newKey())}`,
      }),
    );
    const relabelled = { ...payload, metadata: { ...payload.metadata, [KEY_ID_METADATA]: Buffer.from('k0') } };
    const error: unknown = await both.decode([relabelled]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadDecryptionError);
    expect((error as PayloadDecryptionError).keyId).toBe('k0');
  });

  test('a different key configured under the same id is told apart from the right one', async () => {
    const [payload] = await codec.encode([payloadOf('x')]);
    const impostor = new EncryptionCodec(
      settingsFrom({ SNOWPATROL_PAYLOAD_KEY: b64(newKey()), SNOWPATROL_PAYLOAD_KEY_ID: 'k1' }),
    );
    await expect(impostor.decode([payload])).rejects.toThrow(
      'the key configured under id "k1" is not the one it was encrypted with',
    );
  });

  test('payloads that are not encrypted pass through decoding (histories from before encryption was on)', async () => {
    const plain = payloadOf({ asOf: '2026-01-01' });
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  test('decoding picks the key by id: after a rotation old payloads open with the old key', async () => {
    const oldKey = newKey();
    const before = new EncryptionCodec(settingsFrom({ SNOWPATROL_PAYLOAD_KEY: b64(oldKey) }));
    const [old] = await before.encode([payloadOf('written under the old key')]);
    expect(keyIdOf(old)).toBe(derivedKeyId(oldKey));

    const rotated = new EncryptionCodec(
      settingsFrom({ SNOWPATROL_PAYLOAD_KEY: b64(key), SNOWPATROL_PAYLOAD_OLD_KEYS: b64(oldKey) }),
    );
    const [fresh] = await rotated.encode([payloadOf('written under the new key')]);
    expect(keyIdOf(fresh)).toBe(derivedKeyId(key));
    expect((await rotated.decode([old, fresh])).map(valueOf)).toEqual([
      'written under the old key',
      'written under the new key',
    ]);
    // Without the old key, the old payload names the key it needs.
    const newOnly = new EncryptionCodec(settingsFrom({ SNOWPATROL_PAYLOAD_KEY: b64(key) }));
    await expect(newOnly.decode([old])).rejects.toThrow(
      `cannot decrypt a payload encrypted with key "${derivedKeyId(oldKey)}": the keys configured here are "${derivedKeyId(key)}"`,
    );
  });

  test('without any key it encrypts nothing, and says which key an encrypted payload needs', async () => {
    const off = new EncryptionCodec(undefined);
    const plain = payloadOf({ asOf: '2026-03-31' });
    expect(await off.encode([plain])).toEqual([plain]);
    const [sealed] = await codec.encode([plain]);
    const error: unknown = await off.decode([sealed]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadDecryptionError);
    expect((error as Error).message).toMatch(
      /^cannot decrypt a payload encrypted with key "k1": payload encryption is not configured here\. .*SNOWPATROL_PAYLOAD_KEY/,
    );
  });

  test('decrypt-only: old keys without a current key decrypt, and new payloads are not encrypted', async () => {
    const [sealed] = await codec.encode([payloadOf('x')]);
    const decryptOnly = new EncryptionCodec(settingsFrom({ SNOWPATROL_PAYLOAD_OLD_KEYS: `k1:${b64(key)}` }));
    expect((await decryptOnly.decode([sealed])).map(valueOf)).toEqual(['x']);
    const [plain] = await decryptOnly.encode([payloadOf('y')]);
    expect(isEncrypted(plain)).toBe(false);
  });
});

describe('payload key settings', () => {
  test('off by default', () => {
    expect(parsePayloadEncryption({}, process.cwd())).toEqual({ settings: undefined, problems: [] });
    expect(loadConfig({}, tempDir()).temporal.payloadEncryption).toBeUndefined();
  });

  test('a key from the environment or a file; the id is SNOWPATROL_PAYLOAD_KEY_ID or derived from the key', () => {
    const key = newKey();
    expect(settingsFrom({ SNOWPATROL_PAYLOAD_KEY: b64(key) }).current).toEqual({ id: derivedKeyId(key), key });
    expect(derivedKeyId(key)).toMatch(/^k-[0-9a-f]{12}$/);
    expect(derivedKeyId(newKey())).not.toBe(derivedKeyId(key));
    expect(
      settingsFrom({ SNOWPATROL_PAYLOAD_KEY: key.toString('base64url'), SNOWPATROL_PAYLOAD_KEY_ID: '2026-q1' }).current,
    ).toEqual({
      id: '2026-q1',
      key,
    });
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'payload.key'), `${b64(key)}\n`);
    expect(settingsFrom({ SNOWPATROL_PAYLOAD_KEY_FILE: 'payload.key' }, dir).current).toEqual({
      id: derivedKeyId(key),
      key,
    });
  });

  test('bad settings are named, every one at once, and never echo key material', () => {
    const dir = tempDir();
    const short = crypto.randomBytes(16).toString('base64');
    fs.writeFileSync(path.join(dir, 'short.key'), short);
    fs.mkdirSync(path.join(dir, 'a-dir'));
    const cases: [Record<string, string>, string][] = [
      [
        { SNOWPATROL_PAYLOAD_KEY: short },
        'SNOWPATROL_PAYLOAD_KEY: must be the base64 of 32 random bytes (AES-256; e.g. `openssl rand -base64 32`); it decodes to 16 bytes',
      ],
      [
        { SNOWPATROL_PAYLOAD_KEY: 'not base64 at all!' },
        'SNOWPATROL_PAYLOAD_KEY: must be the base64 of 32 random bytes (e.g. `openssl rand -base64 32`); it is not base64',
      ],
      [
        { SNOWPATROL_PAYLOAD_KEY_FILE: 'missing.key' },
        `SNOWPATROL_PAYLOAD_KEY_FILE: cannot read ${path.join(dir, 'missing.key')}: no such file`,
      ],
      [
        { SNOWPATROL_PAYLOAD_KEY_FILE: 'a-dir' },
        `SNOWPATROL_PAYLOAD_KEY_FILE: cannot read ${path.join(dir, 'a-dir')}: it is a directory`,
      ],
      [
        { SNOWPATROL_PAYLOAD_KEY_FILE: 'short.key' },
        `SNOWPATROL_PAYLOAD_KEY_FILE: ${path.join(dir, 'short.key')} must be the base64 of 32 random bytes (AES-256; e.g. \`openssl rand -base64 32\`); it decodes to 16 bytes`,
      ],
      [
        { SNOWPATROL_PAYLOAD_KEY: b64(newKey()), SNOWPATROL_PAYLOAD_KEY_FILE: 'short.key' },
        'SNOWPATROL_PAYLOAD_KEY: set it or SNOWPATROL_PAYLOAD_KEY_FILE, not both',
      ],
      [
        { SNOWPATROL_PAYLOAD_KEY_ID: 'k1' },
        'SNOWPATROL_PAYLOAD_KEY_ID: set, but there is no key to go with it (set SNOWPATROL_PAYLOAD_KEY or SNOWPATROL_PAYLOAD_KEY_FILE)',
      ],
      [
        { SNOWPATROL_PAYLOAD_KEY: b64(newKey()), SNOWPATROL_PAYLOAD_KEY_ID: 'has space' },
        'SNOWPATROL_PAYLOAD_KEY_ID: must be 1 to 64 letters, digits, ".", "_" or "-", got "has space"',
      ],
      [
        { SNOWPATROL_PAYLOAD_OLD_KEYS: `old:${short}` },
        'SNOWPATROL_PAYLOAD_OLD_KEYS: entry 1 (write id:base64 or base64): must be the base64 of 32 random bytes (AES-256; e.g. `openssl rand -base64 32`); it decodes to 16 bytes',
      ],
      [
        { SNOWPATROL_PAYLOAD_OLD_KEYS: `${b64(newKey())}, k2:not*base64` },
        'SNOWPATROL_PAYLOAD_OLD_KEYS: entry 2 (write id:base64 or base64): must be the base64 of 32 random bytes (e.g. `openssl rand -base64 32`); it is not base64',
      ],
      [
        { SNOWPATROL_PAYLOAD_OLD_KEYS: `b@d:${b64(newKey())}` },
        'SNOWPATROL_PAYLOAD_OLD_KEYS: entry 1: the key id before ":" must be 1 to 64 letters, digits, ".", "_" or "-"',
      ],
      [
        {
          SNOWPATROL_PAYLOAD_KEY: b64(newKey()),
          SNOWPATROL_PAYLOAD_KEY_ID: 'k1',
          SNOWPATROL_PAYLOAD_OLD_KEYS: `k1:${b64(newKey())}`,
        },
        'SNOWPATROL_PAYLOAD_OLD_KEYS: entry 1 has key id "k1", which the current key (SNOWPATROL_PAYLOAD_KEY_ID) already has',
      ],
    ];
    for (const [env, problem] of cases) {
      expect([env, problemsOf(env, dir)]).toEqual([env, [problem]]);
    }
    // Through loadConfig: a ConfigError listing the problem, with no key in it.
    const key = b64(newKey());
    let error: unknown;
    try {
      loadConfig(
        { SNOWPATROL_PAYLOAD_KEY: key, SNOWPATROL_PAYLOAD_KEY_ID: 'a b', SNOWPATROL_PAYLOAD_OLD_KEYS: short },
        dir,
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'SNOWPATROL_PAYLOAD_KEY_ID: must be 1 to 64 letters, digits, ".", "_" or "-", got "a b"',
      expect.stringMatching(/^SNOWPATROL_PAYLOAD_OLD_KEYS: entry 1 .*decodes to 16 bytes$/),
    ]);
    expect((error as Error).message).not.toContain(key);
    expect((error as Error).message).not.toContain(short);
  });

  test('every key is a secret the logs mask; the start-up line names key ids only', () => {
    const key = newKey();
    const old = newKey();
    const config = loadConfig(
      {
        SNOWPATROL_PAYLOAD_KEY: b64(key),
        SNOWPATROL_PAYLOAD_KEY_ID: 'k2',
        SNOWPATROL_PAYLOAD_OLD_KEYS: `k1:${b64(old)}`,
      },
      tempDir(),
    );
    const redact = createRedactor(configSecrets(config));
    expect(redact(`key=${b64(key)} old=${old.toString('base64url')}`)).toBe('key=*** old=***');
    const line = describePayloadEncryption(config.temporal.payloadEncryption);
    expect(line).toBe('AES-256-GCM with key k2; decrypts also k1');
    expect(describePayloadEncryption(undefined)).toBe('off');
  });

  test('decodeKey accepts whitespace around and inside (a key file written with line breaks)', () => {
    const key = newKey();
    const wrapped = `${b64(key).slice(0, 20)}\n${b64(key).slice(20)}\n`;
    expect(decodeKey(wrapped)).toEqual({ key });
  });
});

test('the encrypted encoding is the one Temporal codec servers recognise', () => {
  expect(ENCRYPTED_ENCODING).toBe('binary/encrypted');
});
