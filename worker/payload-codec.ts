/**
 * A Temporal PayloadCodec that encrypts each payload whole (metadata and data) with AES-256-GCM, so the server and
 * anyone reading its database or the Web UI without the key see only `binary/encrypted` bytes. The key id travels
 * in the encrypted payload's metadata and picks the key on decoding, so keys can be rotated: payloads written
 * under an old key stay readable while its key is listed. Payloads that are not encrypted pass through unchanged
 * (histories recorded before encryption was turned on), and an encrypted payload without its key fails with an
 * error that names the key id.
 */
import crypto from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { PayloadEncryptionSettings, PayloadKey } from '../schemas/payload-codec-config';

/** `encoding` of an encrypted payload, as Temporal's samples and codec servers name it. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key holding the id of the key a payload was encrypted with. */
export const KEY_ID_METADATA = 'encryption-key-id';
/** Metadata key naming the cipher (so a future change of cipher can be told apart). */
export const CIPHER_METADATA = 'encryption-cipher';
export const CIPHER = 'AES-256-GCM';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A payload that cannot be decrypted: no key with its id, or it (or its key id) was altered. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
  constructor(
    message: string,
    readonly keyId: string | undefined,
  ) {
    super(message);
  }
}

const utf8 = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** True when the payload was written by this codec. */
export function isEncrypted(payload: Payload): boolean {
  return utf8(payload.metadata?.encoding) === ENCRYPTED_ENCODING;
}

/** The key id an encrypted payload names (undefined for other payloads). */
export function keyIdOf(payload: Payload): string | undefined {
  return isEncrypted(payload) ? utf8(payload.metadata?.[KEY_ID_METADATA]) : undefined;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;

  /** With `settings` undefined it encrypts nothing and only explains, by key id, what it cannot decrypt. */
  constructor(private readonly settings: PayloadEncryptionSettings | undefined) {
    this.byId = new Map((settings?.keys ?? []).map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const current = this.settings?.current;
    if (current === undefined) return payloads;
    return payloads.map((payload) => (isEncrypted(payload) ? payload : encrypt(payload, current)));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload));
  }

  private decrypt(payload: Payload): Payload {
    const keyId = keyIdOf(payload);
    if (keyId === undefined) {
      throw new PayloadDecryptionError(`cannot decrypt a payload: its metadata has no ${KEY_ID_METADATA}`, undefined);
    }
    const key = this.byId.get(keyId);
    if (key === undefined) throw new PayloadDecryptionError(this.missingKeyMessage(keyId), keyId);
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(
        `cannot decrypt a payload encrypted with key "${keyId}": it is truncated`,
        keyId,
      );
    }
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(keyId, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `cannot decrypt a payload encrypted with key "${keyId}": it fails authentication — the payload was ` +
          `altered, or the key configured under id "${keyId}" is not the one it was encrypted with`,
        keyId,
      );
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }

  private missingKeyMessage(keyId: string): string {
    const known = [...this.byId.keys()];
    const have =
      known.length === 0
        ? 'payload encryption is not configured here'
        : `the keys configured here are ${known.map((id) => `"${id}"`).join(', ')}`;
    return (
      `cannot decrypt a payload encrypted with key "${keyId}": ${have}. Give this process that key ` +
      `(SNOWPATROL_PAYLOAD_KEY or SNOWPATROL_PAYLOAD_KEY_FILE, with SNOWPATROL_PAYLOAD_KEY_ID=${keyId} if it was ` +
      'named; or as "<id>:<base64>" in SNOWPATROL_PAYLOAD_OLD_KEYS after a rotation)'
    );
  }
}

/** The whole payload (metadata and data), serialised and sealed: IV ‖ ciphertext ‖ tag, the key id as AAD. */
function encrypt(payload: Payload, { id, key }: PayloadKey): Payload {
  const plain = temporal.api.common.v1.Payload.encode(payload).finish();
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(id, 'utf8'));
  const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return {
    metadata: {
      encoding: Buffer.from(ENCRYPTED_ENCODING),
      [KEY_ID_METADATA]: Buffer.from(id),
      [CIPHER_METADATA]: Buffer.from(CIPHER),
    },
    data: sealed,
  };
}

/**
 * The data converter of every Temporal client, worker and replay of the project: the default converters with the
 * encryption codec, which encrypts only when a current key is configured.
 */
export function payloadDataConverter(settings: PayloadEncryptionSettings | undefined): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(settings)] };
}
