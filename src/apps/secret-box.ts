/**
 * App secrets at rest: AES-256-GCM with a random 96-bit IV per write, the app id as additional
 * authenticated data (a ciphertext copied to another row does not open), stored as
 * `sbenc:v1:<iv>:<tag>:<ciphertext>` (base64). Without a key, secrets are stored as given; a
 * stored value without the prefix is read as plain text either way, so encryption can be turned
 * on for an existing table (each secret is encrypted at its next write).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const PREFIX = 'sbenc:v1:';
const IV_BYTES = 12;

export class SecretDecryptionError extends Error {
  override readonly name = 'SecretDecryptionError';
}

export class SecretBox {
  readonly #key: Buffer | undefined;

  /** `hexKey`: 64 hex characters (32 bytes), or undefined to store secrets as given. */
  constructor(hexKey: string | undefined) {
    this.#key = hexKey === undefined ? undefined : Buffer.from(hexKey, 'hex');
    if (this.#key !== undefined && this.#key.length !== 32) throw new Error('the encryption key must be 32 bytes (64 hex characters)');
  }

  get encrypts(): boolean {
    return this.#key !== undefined;
  }

  seal(secret: string, appId: string): string {
    if (this.#key === undefined) return secret;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(appId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return `${PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ciphertext.toString('base64')}`;
  }

  /** The secret; throws SecretDecryptionError when it is sealed and cannot be opened with this key. */
  open(stored: string, appId: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    if (this.#key === undefined) throw new SecretDecryptionError('the secret is encrypted and appStore.encryptionKey is not set');
    const [iv, tag, ciphertext] = stored.slice(PREFIX.length).split(':');
    if (iv === undefined || tag === undefined || ciphertext === undefined) throw new SecretDecryptionError('malformed encrypted secret');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64'));
      decipher.setAAD(Buffer.from(appId, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError('the secret does not open with appStore.encryptionKey (another key, or another row)');
    }
  }
}
