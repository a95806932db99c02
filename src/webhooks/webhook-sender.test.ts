/** WebhookSender against a real node:http endpoint: headers, success, failures, lookups. */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { StaticAppStore } from '../apps/app-store.js';
import { parseConfig } from '../config/load.js';
import { hmacSha256Hex } from '../protocol/signatures.js';
import { RawJson } from '../protocol/raw-json.js';
import { createBatch } from './batch.js';
import { WebhookSender } from './webhook-sender.js';

describe('WebhookSender', () => {
  const seen: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = Number((request.url ?? '').slice(1)) || 200;
      response.writeHead(status, status === 302 ? { location: '/200' } : {}).end('ignored body');
    });
  });
  let base = '';
  let sender: WebhookSender;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = parseConfig({
      apps: [
        {
          id: 'a',
          key: 'key-a',
          secret: 'secret-a',
          webhooks: [{ url: `${base}/200` }, { url: `${base}/204`, headers: { Authorization: 'Bearer t' } }, { url: `${base}/302` }, { url: `${base}/500` }],
        },
      ],
    });
    sender = new WebhookSender(new StaticAppStore(config.apps), 2_000);
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  const signal = new AbortController().signal;

  it('posts the exact body with exactly Pusher’s headers, and 2xx is success', async () => {
    const batch = createBatch('a', `${base}/200`, [{ name: 'client_event', channel: 'private-é', event: 'client-x', data: new RawJson('{"ü":1}'), socket_id: '1.2' }], 1);
    assert.deepEqual(await sender.send(batch, signal), { ok: true });
    const request = seen.at(-1);
    assert.equal(request?.body, batch.body);
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['x-pusher-key'], 'key-a');
    assert.equal(request.headers['x-pusher-signature'], hmacSha256Hex('secret-a', Buffer.from(batch.body, 'utf8')));
    assert.deepEqual(await sender.send(createBatch('a', `${base}/204`, [], 1), signal), { ok: true });
    assert.equal(seen.at(-1)?.headers.authorization, 'Bearer t');
  });

  it('counts other statuses, redirects included (never followed), as failures to retry', async () => {
    const before = seen.length;
    assert.deepEqual(await sender.send(createBatch('a', `${base}/302`, [], 1), signal), { ok: false, retry: true, reason: 'HTTP 302' });
    assert.deepEqual(await sender.send(createBatch('a', `${base}/500`, [], 1), signal), { ok: false, retry: true, reason: 'HTTP 500' });
    assert.equal(seen.length, before + 2, 'the redirect was not followed');
  });

  it('does not retry for an app or endpoint that is no longer configured', async () => {
    assert.deepEqual(await sender.send(createBatch('gone', `${base}/200`, [], 1), signal), { ok: false, retry: false, reason: 'app gone no longer configured' });
    assert.deepEqual(await sender.send(createBatch('a', `${base}/404`, [], 1), signal), {
      ok: false,
      retry: false,
      reason: 'endpoint no longer configured for app a',
    });
  });

  it('names a refused connection', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const refused = new WebhookSender(new StaticAppStore(parseConfig({ apps: [{ id: 'r', key: 'k', secret: 's', webhooks: [{ url }] }] }).apps), 2_000);
    const outcome = await refused.send(createBatch('r', url, [], 1), signal);
    assert.deepEqual(outcome, { ok: false, retry: true, reason: 'fetch failed: ECONNREFUSED' });
  });
});

describe('webhook configuration', () => {
  const app = { id: 'a', key: 'k', secret: 's' };
  it('has Pusher-like defaults', () => {
    assert.deepEqual(parseConfig({}).webhooks, {
      batchWindowMs: 250,
      batchSize: 20,
      requestTimeoutMs: 4_000,
      retryInitialDelayMs: 1_000,
      retryMaxDelayMs: 60_000,
      retryPeriodMs: 300_000,
      concurrency: 16,
      maxInFlightPerEndpoint: 4,
      maxQueuedBatches: 10_000,
      transitionDelayMs: 3_000,
    });
  });

  it('refuses headers Switchboard sets itself, in any case, and malformed ones', () => {
    for (const headers of [{ 'Content-Type': 'text/plain' }, { 'X-PUSHER-SIGNATURE': 'x' }, { 'bad name': 'x' }, { 'X-Ok': 'a\r\nb' }]) {
      assert.throws(() => parseConfig({ apps: [{ ...app, webhooks: [{ url: 'http://127.0.0.1/', headers }] }] }), /apps\.0\.webhooks\.0\.headers/);
    }
    assert.doesNotThrow(() => parseConfig({ apps: [{ ...app, webhooks: [{ url: 'http://127.0.0.1/', headers: { 'X-Ok': 'yes' } }] }] }));
  });

  it('refuses an empty prefix list and an empty prefix', () => {
    assert.throws(() => parseConfig({ apps: [{ ...app, webhooks: [{ url: 'http://127.0.0.1/', channelPrefixes: [] }] }] }), /channelPrefixes/);
    assert.throws(() => parseConfig({ apps: [{ ...app, webhooks: [{ url: 'http://127.0.0.1/', channelPrefixes: [''] }] }] }), /channelPrefixes/);
  });
});
