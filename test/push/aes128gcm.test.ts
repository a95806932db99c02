/**
 * The RFC 8291 encryption (src/push/aes128gcm.ts) against two independent decryptions: the test
 * push service's, written from the RFC (helpers/push-subscriber.ts), and http_ece's, the library
 * `web-push` encrypts with. Malformed keys and an oversized payload are refused.
 */
import assert from 'node:assert/strict';
import { createECDH, type ECDH } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import webpush from 'web-push';
import { encryptFor, plaintextOf } from '../../src/push/aes128gcm.js';
import { PushSubscriber } from '../helpers/push-subscriber.js';

/** http_ece ships no types; the one call used here. */
const ece = createRequire(import.meta.url)('http_ece') as {
  decrypt(body: Buffer, params: { version: 'aes128gcm'; privateKey: ECDH; authSecret: string }): Buffer;
};

describe('push: aes128gcm encryption', () => {
  it('is decrypted by the RFC-written subscriber, payload intact, one message per fresh key', () => {
    const subscriber = new PushSubscriber();
    const payload = JSON.stringify({ notification: { title: 'héllo ✓', body: 'x'.repeat(500) } });
    const first = encryptFor(subscriber.keys, plaintextOf(payload));
    const second = encryptFor(subscriber.keys, plaintextOf(payload));
    assert.equal(subscriber.decrypt(first).toString('utf8'), payload);
    assert.equal(subscriber.decrypt(second).toString('utf8'), payload);
    // A new salt and a new application server key (the key id) for every message.
    assert.notDeepEqual(first.subarray(0, 16), second.subarray(0, 16));
    assert.notDeepEqual(first.subarray(21, 86), second.subarray(21, 86));
  });

  it('is decrypted by http_ece, the library web-push uses', () => {
    const receiver = createECDH('prime256v1');
    receiver.generateKeys();
    const keys = { p256dh: receiver.getPublicKey().toString('base64url'), auth: Buffer.from('0123456789abcdef').toString('base64url') };
    const body = encryptFor(keys, plaintextOf('{"a":1}'));
    const plain = ece.decrypt(body, { version: 'aes128gcm', privateKey: receiver, authSecret: keys.auth });
    assert.equal(Buffer.from(plain).toString('utf8'), '{"a":1}');
  });

  it('the subscriber used above decrypts web-push\'s own output (it is a check of its own, not a mirror of ours)', () => {
    const subscriber = new PushSubscriber();
    const body = webpush.encrypt(subscriber.keys.p256dh, subscriber.keys.auth, 'from web-push', 'aes128gcm').cipherText;
    assert.equal(subscriber.decrypt(body).toString('utf8'), 'from web-push');
  });

  it('refuses keys that are not a P-256 point and a 16-byte secret, and a payload over one record', () => {
    const { keys } = new PushSubscriber();
    assert.throws(() => encryptFor({ ...keys, p256dh: Buffer.alloc(65, 1).toString('base64url') }, plaintextOf('x')), /p256dh/);
    assert.throws(() => encryptFor({ ...keys, auth: Buffer.alloc(8).toString('base64url') }, plaintextOf('x')), /auth secret/);
    assert.throws(() => encryptFor(keys, plaintextOf('x'.repeat(4080))), /does not fit/);
    assert.doesNotThrow(() => encryptFor(keys, plaintextOf('x'.repeat(4079))));
  });
});
