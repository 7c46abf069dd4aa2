/** RSA key pairs for key-pair (SNOWFLAKE_JWT) logins, as `openssl genrsa` + `openssl pkcs8` would produce. */
import crypto from 'node:crypto';

/** A 2048-bit RSA key pair: PKCS#8 PEM private key (encrypted with AES-256-CBC when a passphrase is given), SPKI PEM public key. */
export function generateKeyPair(passphrase?: string): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding:
      passphrase === undefined
        ? { type: 'pkcs8', format: 'pem' }
        : { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}
