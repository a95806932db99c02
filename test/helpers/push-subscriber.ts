/**
 * The browser's side of a Web Push subscription, written from the RFC rather than from the
 * sender's library so that the tests check the sender against the standard: a P-256 key pair and
 * a 16-byte auth secret made as a browser makes them (PushManager.subscribe), and the decryption
 * of an `aes128gcm` message (RFC 8188 framing, RFC 8291 key derivation).
 */
import { createDecipheriv, createECDH, createHmac, randomBytes, type ECDH } from 'node:crypto';

export interface SubscriptionKeys {
  /** The subscription's public key (uncompressed point, base64url), as PushSubscription.toJSON() gives it. */
  readonly p256dh: string;
  /** The auth secret (16 bytes, base64url). */
  readonly auth: string;
}

export class PushSubscriber {
  readonly #ecdh: ECDH;
  readonly #auth: Buffer;
  readonly #publicKey: Buffer;

  constructor() {
    this.#ecdh = createECDH('prime256v1');
    this.#publicKey = this.#ecdh.generateKeys();
    this.#auth = randomBytes(16);
  }

  get keys(): SubscriptionKeys {
    return { p256dh: this.#ecdh.getPublicKey().toString('base64url'), auth: this.#auth.toString('base64url') };
  }

  /** Decrypts one aes128gcm message body; throws when it is malformed or does not authenticate. */
  decrypt(body: Buffer): Buffer {
    if (body.length < 21) throw new Error('aes128gcm body shorter than its header');
    const salt = body.subarray(0, 16);
    const recordSize = body.readUInt32BE(16);
    const keyIdLength = body.readUInt8(20);
    // RFC 8291 §4: the key id is the application server's ephemeral public key.
    if (keyIdLength !== 65) throw new Error(`aes128gcm key id of ${keyIdLength} bytes, expected 65`);
    const senderKey = body.subarray(21, 21 + keyIdLength);
    const ciphertext = body.subarray(21 + keyIdLength);
    // RFC 8291 §4: the push message is one record.
    if (ciphertext.length > recordSize || ciphertext.length < 17) throw new Error('aes128gcm body is not exactly one record');
    const ecdhSecret = this.#ecdh.computeSecret(senderKey);
    const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), this.#publicKey, senderKey]);
    const ikm = hkdf(ecdhSecret, this.#auth, keyInfo, 32);
    const cek = hkdf(ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
    const nonce = hkdf(ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12);
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
    const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
    // RFC 8188 §2: the last record ends with the delimiter 0x02 followed by zero or more 0x00.
    let end = padded.length - 1;
    while (end >= 0 && padded[end] === 0) end -= 1;
    if (end < 0 || padded[end] !== 2) throw new Error('aes128gcm record has no last-record delimiter');
    return padded.subarray(0, end);
  }
}

/**
 * RFC 5869 HKDF-SHA-256 for outputs of at most 32 bytes (one expand block): PRK = HMAC(salt, IKM),
 * OKM = HMAC(PRK, info || 0x01). Two HMACs, where node's hkdfSync makes key objects each call.
 */
function hkdf(ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  return createHmac('sha256', prk).update(info).update(Buffer.from([1])).digest().subarray(0, length);
}
