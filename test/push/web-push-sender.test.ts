/**
 * The sender's VAPID token cache (src/push/web-push-sender.ts), on an injected clock: one signed
 * token per app and push service origin, reused until it is an hour old, then a new one whose
 * exp is 12 hours after the clock; another origin or key pair gets its own.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import webpush from 'web-push';
import { encryptFor, plaintextOf } from '../../src/push/aes128gcm.js';
import { WebPushSender, type PushMessage } from '../../src/push/web-push-sender.js';
import { PushSubscriber } from '../helpers/push-subscriber.js';

const HOUR = 60 * 60 * 1000;

function claimsOf(headers: IncomingHttpHeaders): { token: string; exp: number; aud: string } {
  const token = /t=([^,\s]+)/.exec(headers.authorization ?? '')?.[1] ?? '';
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp: number; aud: string };
  return { token, exp: claims.exp, aud: claims.aud };
}

describe('push: VAPID token cache', () => {
  const received: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    received.push(request.headers);
    request.resume();
    request.on('end', () => response.writeHead(201).end());
  });
  let origin = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('signs once per app and origin, and again once the token is an hour old', async () => {
    const start = Date.now();
    let clock = start;
    const sender = new WebPushSender({ subject: 'mailto:ops@example.com', timeoutMs: 5_000, now: () => clock });
    const subscriber = new PushSubscriber();
    const device = { id: 'web-1', endpoint: `${origin}/push/1`, ...subscriber.keys, userId: undefined };
    const message: PushMessage = { appId: 'app', keys: webpush.generateVAPIDKeys(), payload: 'x', ttlSeconds: 60, urgency: 'normal', topic: undefined };
    const send = async (at: number, overrides: Partial<PushMessage> = {}, endpoint = device.endpoint): Promise<{ token: string; exp: number; aud: string }> => {
      clock = at;
      const outcome = await sender.send({ ...device, endpoint }, { ...message, ...overrides }, encryptFor(subscriber.keys, plaintextOf('x')), new AbortController().signal);
      assert.equal(outcome.kind, 'delivered');
      const headers = received.at(-1);
      assert.ok(headers !== undefined);
      return claimsOf(headers);
    };
    try {
      const first = await send(start);
      assert.equal(first.aud, origin);
      assert.equal(first.exp, Math.floor(start / 1000) + 12 * 60 * 60);
      assert.equal((await send(start + HOUR - 1)).token, first.token);
      const renewed = await send(start + HOUR + 1);
      assert.notEqual(renewed.token, first.token);
      assert.equal(renewed.exp, Math.floor((start + HOUR + 1) / 1000) + 12 * 60 * 60);
      assert.equal((await send(start + 2 * HOUR)).token, renewed.token);
      // Another app's key pair, and another push service origin, are signed for separately.
      const otherApp = await send(start + 2 * HOUR, { appId: 'other', keys: webpush.generateVAPIDKeys() });
      assert.notEqual(otherApp.token, renewed.token);
      const otherOrigin = await send(start + 2 * HOUR, {}, `${origin.replace('127.0.0.1', 'localhost')}/push/1`);
      assert.notEqual(otherOrigin.token, renewed.token);
      assert.equal(otherOrigin.aud, origin.replace('127.0.0.1', 'localhost'));
    } finally {
      sender.close();
    }
  });

  it('refuses a device whose body could not be encrypted, without a request', async () => {
    const sender = new WebPushSender({ subject: 'mailto:ops@example.com', timeoutMs: 5_000 });
    const before = received.length;
    const outcome = await sender.send(
      { id: 'web-2', endpoint: `${origin}/push/2`, p256dh: '', auth: '', userId: undefined },
      { appId: 'app', keys: webpush.generateVAPIDKeys(), payload: 'x', ttlSeconds: 60, urgency: 'normal', topic: undefined },
      new Error('p256dh is not an uncompressed P-256 point'),
      new AbortController().signal,
    );
    assert.deepEqual(outcome, { kind: 'rejected', status: 0, reason: 'p256dh is not an uncompressed P-256 point' });
    assert.equal(received.length, before);
    sender.close();
  });
});
