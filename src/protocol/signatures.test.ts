import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  channelStringToSign,
  hmacSha256Hex,
  hmacSha256Matches,
  signinStringToSign,
  signToken,
  verifyToken,
} from './signatures.js';

// The documented credentials and vectors (protocol §5.1).
const APP = { key: '278d425bdf160c739803', secret: '7ad3773142a6692b25b8' };

describe('signatures', () => {
  it('signs a private channel as the spec vector', () => {
    assert.equal(
      hmacSha256Hex(APP.secret, channelStringToSign('1234.1234', 'private-foobar')),
      '58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4',
    );
  });

  it('signs presence with channel_data, presence when signed in, and user sign-in as the vectors', () => {
    const channelData = '{"user_id":10,"user_info":{"name":"Mr. Pusher"}}';
    assert.equal(
      hmacSha256Hex(APP.secret, channelStringToSign('1234.1234', 'presence-foobar', channelData)),
      'afaed3695da2ffd16931f457e338e6c9f2921fa133ce7dac49f529792be6304c',
    );
    assert.equal(
      hmacSha256Hex(APP.secret, channelStringToSign('1234.1234', 'presence-foobar')),
      '71506e66e7fdca106571b8999a849ad34245bc653772e51e0026c1a2475b92ba',
    );
    assert.equal(
      hmacSha256Hex(APP.secret, signinStringToSign('1234.1234', '{"id":"12345"}')),
      '4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba',
    );
  });

  it('signs a webhook body as the vector', () => {
    assert.equal(
      hmacSha256Hex('secret', '{"hello":"world"}'),
      '2677ad3e7c090b2fa2c0fb13020d66d5420879b8316eb356a2d60fb9073bc778',
    );
  });

  it('verifies a token and tells wrong key, wrong signature and malformed apart', () => {
    const toSign = channelStringToSign('1234.1234', 'private-foobar');
    const token = signToken(APP, toSign);
    assert.equal(token, `${APP.key}:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4`);
    assert.equal(verifyToken(APP, token, toSign), 'valid');
    assert.equal(verifyToken(APP, token, channelStringToSign('1234.1235', 'private-foobar')), 'wrong-signature');
    assert.equal(verifyToken(APP, `other-key:${token.split(':')[1] ?? ''}`, toSign), 'wrong-key');
    assert.equal(verifyToken(APP, 'no-colon', toSign), 'malformed');
    assert.equal(verifyToken(APP, `${APP.key}:`, toSign), 'malformed');
    assert.equal(verifyToken(APP, `:abc`, toSign), 'malformed');
    assert.equal(verifyToken(APP, `${APP.key}:${'0'.repeat(64)}`, toSign), 'wrong-signature');
    assert.equal(verifyToken(APP, `${APP.key}:short`, toSign), 'wrong-signature');
  });

  it('accepts the previous secret until its grace period ends, and signs with the current one', () => {
    const toSign = channelStringToSign('1.2', 'private-x');
    const rotated = { key: APP.key, secret: 'new-secret', previousSecret: { secret: APP.secret, expiresAt: 5_000 } };
    const oldToken = signToken(APP, toSign);
    assert.equal(verifyToken(rotated, oldToken, toSign, 4_999), 'valid');
    assert.equal(verifyToken(rotated, oldToken, toSign, 5_000), 'wrong-signature');
    assert.equal(signToken(rotated, toSign), signToken({ key: APP.key, secret: 'new-secret' }, toSign));
    assert.equal(verifyToken(rotated, signToken(rotated, toSign), toSign, 9_999), 'valid');
  });

  it('matches hex digests in either case and refuses anything else', () => {
    const digest = hmacSha256Hex('secret', 'message');
    assert.equal(hmacSha256Matches('secret', 'message', digest), true);
    assert.equal(hmacSha256Matches('secret', 'message', digest.toUpperCase()), true);
    assert.equal(hmacSha256Matches('secret', 'other', digest), false);
    assert.equal(hmacSha256Matches('secret', 'message', digest.slice(0, 63)), false);
    assert.equal(hmacSha256Matches('secret', 'message', `${digest.slice(0, 63)}g`), false);
    assert.equal(hmacSha256Matches('secret', 'message', ''), false);
  });
});
