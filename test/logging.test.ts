/**
 * The debug log of a real server, captured through a real pino logger: a client session, refused
 * auth (subscription, sign-in, HTTP API) and HTTP API requests, each as one line with its fields;
 * and at info, none of it (not even a call into the logger).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LogFn } from 'pino';
import { signRestQuery } from '../src/protocol/rest-auth.js';
import { LEVELS, LogCapture, type LogLine } from './helpers/log-capture.js';
import { scrape, valueOf } from './helpers/metrics.js';
import { sdkFor } from './helpers/pusher.js';
import { RawClient } from './helpers/raw-client.js';
import { APP, startServer, type TestServer } from './helpers/server.js';
import { eventually } from './helpers/wait.js';

const WRONG_SECRET = 'not-the-app-secret-0123456789';

function sign(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

function fieldsOf(line: LogLine, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, line[key]]));
}

/** A session that touches every debug line of a client: open, subscribe, bad auth, unsubscribe, close. */
async function session(server: TestServer): Promise<string> {
  const { client, socketId } = await RawClient.connect(server.wsUrl, APP.key);
  client.send({ event: 'pusher:subscribe', data: { channel: 'log-room' } });
  await client.nextEvent('pusher_internal:subscription_succeeded', 'log-room');
  const badAuth = `${APP.key}:${sign(WRONG_SECRET, `${socketId}:private-log`)}`;
  client.send({ event: 'pusher:subscribe', data: { channel: 'private-log', auth: badAuth } });
  await client.nextEvent('pusher:subscription_error', 'private-log');
  client.send({ event: 'pusher:unsubscribe', data: { channel: 'log-room' } });
  await client.sync();
  client.ws.close(1000, 'done here');
  await client.closed;
  return socketId;
}

/** A publish signed with the wrong secret; returns the signature it carried. */
async function badlySignedPublish(server: TestServer): Promise<string> {
  const path = `/apps/${APP.id}/events`;
  const body = JSON.stringify({ name: 'e', channel: 'log-room', data: '{}' });
  const query = signRestQuery({ key: APP.key, secret: WRONG_SECRET }, 'POST', path, {}, body, Date.now());
  const response = await fetch(`${server.httpUrl}${path}?${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(response.status, 401);
  await response.body?.cancel();
  return new URLSearchParams(query).get('auth_signature') ?? '';
}

describe('debug logs', () => {
  const capture = new LogCapture('debug');
  let server: TestServer;
  before(async () => {
    server = await startServer({ log: { level: 'debug' } }, { logger: capture.logger });
  });
  after(() => server.close());

  it('a client session logs opened, subscribed, unsubscribed and closed, with their fields', async () => {
    const socketId = await session(server);
    const closed = await capture.line('connection closed', { socketId });
    const lines = capture.lines.filter((line) => line.socketId === socketId);
    assert.deepEqual(
      lines.map((line) => line.msg),
      ['connection opened', 'subscribed', 'subscription auth failed', 'unsubscribed', 'connection closed'],
    );
    assert.ok(lines.every((line) => line.level === LEVELS.debug));
    const connection = { socketId, app: APP.id, transport: 'ws', remoteAddress: '127.0.0.1' };
    assert.deepEqual(fieldsOf(lines[0] as LogLine, Object.keys(connection)), connection);
    assert.deepEqual(fieldsOf(lines[1] as LogLine, ['socketId', 'app', 'channel']), { socketId, app: APP.id, channel: 'log-room' });
    assert.deepEqual(fieldsOf(lines[3] as LogLine, ['socketId', 'app', 'channel']), { socketId, app: APP.id, channel: 'log-room' });
    assert.deepEqual(fieldsOf(closed, [...Object.keys(connection), 'code', 'reason']), { ...connection, code: 1000, reason: 'done here' });
    assert.equal(typeof closed.durationMs, 'number');
  });

  it('refused auth logs the reason, never the secret or any part of the signature', async () => {
    const { client, socketId } = await RawClient.connect(server.wsUrl, APP.key);
    const subscribeSignature = sign(WRONG_SECRET, `${socketId}:private-secrets`);
    client.send({ event: 'pusher:subscribe', data: { channel: 'private-secrets', auth: `${APP.key}:${subscribeSignature}` } });
    await client.nextEvent('pusher:subscription_error', 'private-secrets');
    const userData = JSON.stringify({ id: 'mallory' });
    const signinSignature = sign(WRONG_SECRET, `${socketId}::user::${userData}`);
    client.send({ event: 'pusher:signin', data: { auth: `${APP.key}:${signinSignature}`, user_data: userData } });
    await client.nextEvent('pusher:error');
    const apiSignature = await badlySignedPublish(server);
    await client.close();

    const subscription = await capture.line('subscription auth failed', { socketId, channel: 'private-secrets' });
    assert.deepEqual(fieldsOf(subscription, ['app', 'error', 'reason']), {
      app: APP.id,
      error: 'SB_AUTH_INVALID_SIGNATURE',
      reason: 'Invalid signature',
    });
    const signin = await capture.line('signin auth failed', { socketId });
    assert.equal(signin.error, 'SB_SIGNIN_INVALID');
    const api = await capture.line('API auth failed', { app: APP.id });
    assert.deepEqual(fieldsOf(api, ['error', 'reason', 'remoteAddress']), {
      error: 'SB_API_AUTH_SIGNATURE',
      reason: 'Invalid signature',
      remoteAddress: '127.0.0.1',
    });
    const written = capture.raw.join('');
    for (const secret of [APP.secret, WRONG_SECRET]) assert.ok(!written.includes(secret), `a secret was logged: ${secret}`);
    for (const signature of [subscribeSignature, signinSignature, apiSignature]) {
      assert.equal(signature.length, 64);
      assert.ok(!written.includes(signature.slice(0, 8)), 'a signature (or its first 8 characters) was logged');
      assert.ok(!written.includes(signature.slice(-8)), 'the end of a signature was logged');
    }
  });

  it('an HTTP API request logs its route pattern, method, status and duration', async () => {
    await sdkFor(server, APP).trigger('log-room', 'hello', { n: 1 });
    const line = await capture.line('API request', { route: '/apps/:appId/events', status: 200 });
    const refused = capture.all('API request', { route: '/apps/:appId/events', status: 401 });
    assert.equal(refused.length, 1, 'the badly signed publish of the test before');
    assert.deepEqual(fieldsOf(line, ['level', 'method', 'status', 'app', 'remoteAddress']), {
      level: LEVELS.debug,
      method: 'POST',
      status: 200,
      app: APP.id,
      remoteAddress: '127.0.0.1',
    });
    assert.ok(typeof line.durationMs === 'number' && line.durationMs >= 0, `durationMs ${String(line.durationMs)}`);
    // Timed once: the same request is in the metrics.
    const address = server.server.adminAddress;
    assert.ok(address !== undefined);
    const { samples } = await scrape(`http://127.0.0.1:${address.port}`);
    const labels = { route: '/apps/:appId/events', method: 'POST', status: '200' };
    assert.equal(valueOf(samples, 'switchboard_http_api_request_duration_seconds_count', labels), 1);
    assert.equal(valueOf(samples, 'switchboard_cluster_nodes'), 1, 'one node on the memory bus');
  });
});

describe('info logs', () => {
  const capture = new LogCapture('info');
  let debugCalls = 0;
  let server: TestServer;
  before(async () => {
    // Not a single call: every debug line is guarded by a level check, so nothing is built for it.
    const countCall: LogFn = () => void (debugCalls += 1);
    capture.logger.debug = countCall;
    server = await startServer({ log: { level: 'info' } }, { logger: capture.logger });
  });
  after(() => server.close());

  it('write none of the debug lines, and never call into the logger for them', async () => {
    const socketId = await session(server);
    await badlySignedPublish(server);
    await sdkFor(server, APP).trigger('log-room', 'hello', { n: 1 });
    // The server has handled the close (where "connection closed" would be logged).
    await eventually(() => server.server.engine.connectionCount === 0, 'the connection released');
    assert.ok(capture.all('Switchboard listening on 127.0.0.1:' + String(server.port)).length === 1, 'info lines are written');
    assert.deepEqual(
      capture.lines.filter((line) => line.level < LEVELS.info).map((line) => line.msg),
      [],
    );
    assert.ok(!capture.raw.join('').includes(socketId));
    assert.equal(debugCalls, 0);
  });
});
