import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { createChatToken, verifyChatToken } from './chat-token.js';

const app = { id: 'app-1', key: 'key-1', secret: 'secret-1' };
const NOW = 1_765_000_000_000;

describe('chat tokens', () => {
  it('verifies a minted token and names its user', () => {
    const token = createChatToken({ appId: 'app-1', secret: 'secret-1', userId: 'alice', ttlSeconds: 60, now: NOW });
    assert.deepEqual(verifyChatToken(app, token, NOW, 3_600), { ok: true, userId: 'alice', expiresAt: NOW + 60_000 });
  });

  it('follows the documented scheme (so any language can mint one)', () => {
    const payload = Buffer.from(JSON.stringify({ app: 'app-1', user: 'bob', exp: NOW / 1000 + 30 })).toString('base64url');
    const signature = createHmac('sha256', 'secret-1').update(`chat1.${payload}`).digest('hex');
    const check = verifyChatToken(app, `chat1.${payload}.${signature}`, NOW, 3_600);
    assert.equal(check.ok && check.userId, 'bob');
  });

  it('refuses expired, too long, forged, other-app and malformed tokens', () => {
    const mint = (over: Partial<Parameters<typeof createChatToken>[0]>) =>
      createChatToken({ appId: 'app-1', secret: 'secret-1', userId: 'alice', ttlSeconds: 60, now: NOW, ...over });
    const reason = (token: string) => {
      const check = verifyChatToken(app, token, NOW, 3_600);
      return check.ok ? 'ok' : check.reason;
    };
    assert.equal(reason(mint({ now: NOW - 61_000 })), 'expired');
    assert.equal(reason(mint({ ttlSeconds: 7_200 })), 'too-long');
    assert.equal(reason(mint({ secret: 'other' })), 'wrong-signature');
    assert.equal(reason(mint({ appId: 'app-2' })), 'wrong-app');
    const token = mint({});
    const [prefix, payload, signature] = token.split('.');
    const swapped = Buffer.from(JSON.stringify({ app: 'app-1', user: 'mallory', exp: NOW / 1000 + 60 })).toString('base64url');
    assert.equal(reason(`${prefix}.${swapped}.${signature}`), 'wrong-signature');
    assert.equal(reason(`${prefix}.${payload}`), 'malformed');
    assert.equal(reason('Bearer x'), 'malformed');
    assert.equal(reason(''), 'malformed');
  });

  it('accepts the previous secret during a rotation grace period only', () => {
    const token = createChatToken({ appId: 'app-1', secret: 'old', userId: 'alice', now: NOW });
    const rotated = { ...app, previousSecret: { secret: 'old', expiresAt: NOW + 1_000 } };
    assert.equal(verifyChatToken(rotated, token, NOW, 3_600).ok, true);
    assert.equal(verifyChatToken(rotated, token, NOW + 1_000, 3_600).ok, false);
  });
});
