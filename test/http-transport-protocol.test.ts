/**
 * The pusher-js HTTP transports at the wire level (protocol §8), with raw HTTP requests: framing,
 * the session lifecycle (open once, rotation, polling, grace period, server close), ordering of
 * xhr_send, and every bound at its edge with its documented error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeChannelEvent, encodeConnectionEstablished } from '../src/protocol/codec.js';
import { CloseReasons } from '../src/protocol/errors.js';
import { sdkFor } from './helpers/pusher.js';
import { dataOf, RawClient } from './helpers/raw-client.js';
import { RawHttpSession, request, type FrameReader, type HttpFrame } from './helpers/raw-http-session.js';
import { APP, startServer, type TestServer } from './helpers/server.js';
import { eventually } from './helpers/wait.js';

const SUBSCRIBE = (channel: string): unknown => ({ event: 'pusher:subscribe', data: { auth: '', channel } });

function messagesOf(frame: HttpFrame): string[] {
  assert.ok(frame.type === 'messages', `expected a[...], got ${JSON.stringify(frame)}`);
  return frame.messages.map((message) => message.event);
}

/** Opens a streaming session; returns it once connection_established has arrived. */
async function openStream(server: TestServer, key = APP.key): Promise<{ session: RawHttpSession; stream: FrameReader; socketId: string }> {
  const session = new RawHttpSession(server.httpUrl, key);
  const stream = session.stream();
  assert.equal((await stream.next()).type, 'heartbeat', 'the prelude');
  assert.equal((await stream.next()).type, 'open');
  const established = await stream.nextEvent('pusher:connection_established');
  const socketId = (dataOf(established) as { socket_id: string }).socket_id;
  return { session, stream, socketId };
}

/** Opens a polling session: the first poll answers `o`, the second connection_established. */
async function openPolling(server: TestServer, key = APP.key): Promise<{ session: RawHttpSession; socketId: string }> {
  const session = new RawHttpSession(server.httpUrl, key);
  assert.deepEqual(await session.poll().rest(), [{ type: 'open', line: 'o' }]);
  const frames = await session.poll().rest();
  assert.equal(frames.length, 1);
  const frame = frames[0] as HttpFrame;
  assert.ok(frame.type === 'messages' && frame.messages[0]?.event === 'pusher:connection_established');
  return { session, socketId: (dataOf(frame.messages[0]) as { socket_id: string }).socket_id };
}

describe('HTTP transports: framing', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ httpTransports: { heartbeatInterval: 1, disconnectGrace: 2 } });
  });
  after(() => server.close());

  it('streams: prelude, o, then a[...] frames of JSON strings; xhr_send answers 204 with CORS', async () => {
    const session = new RawHttpSession(server.httpUrl, APP.key);
    const stream = session.stream();
    const { status, headers } = await stream.response;
    assert.equal(status, 200);
    assert.equal(headers['content-type'], 'application/javascript; charset=UTF-8');
    assert.equal(headers['access-control-allow-origin'], '*');
    assert.equal(await stream.next().then((frame) => frame.type === 'heartbeat' && frame.line.length), 2048, 'a 2 KiB prelude of h');
    assert.deepEqual(await stream.next(), { type: 'open', line: 'o' });
    const first = await stream.next();
    assert.deepEqual(messagesOf(first), ['pusher:connection_established']);
    const established = first.type === 'messages' ? first.messages[0] : undefined;
    assert.equal(typeof established?.data, 'string', 'data is double-encoded, as over WebSocket');
    const socketId = (dataOf(established ?? { event: '' }) as { socket_id: string }).socket_id;
    assert.equal(stream.lines[2], `a[${JSON.stringify(encodeConnectionEstablished(socketId, 120))}]`);

    const sent = await session.send([SUBSCRIBE('my-channel')]);
    assert.equal(sent.status, 204);
    assert.equal(sent.headers['access-control-allow-origin'], '*');
    await stream.nextEvent('pusher_internal:subscription_succeeded', 'my-channel');
    await sdkFor(server, APP).trigger('my-channel', 'my-event', { hello: 'world' });
    const event = await stream.nextEvent('my-event');
    assert.deepEqual(event, { event: 'my-event', channel: 'my-channel', data: '{"hello":"world"}' });
    stream.abort();
  });

  it('writes h heartbeats on an idle stream and never ends it', async () => {
    const { stream } = await openStream(server);
    assert.equal((await stream.next()).type, 'heartbeat');
    assert.equal((await stream.next()).type, 'heartbeat');
    stream.abort();
  });

  it('polls: the first poll answers o, later ones the queued frames, an idle one h', async () => {
    const { session } = await openPolling(server);
    assert.equal((await session.send([SUBSCRIBE('poll-channel')])).status, 204);
    const subscribed = await session.poll().rest();
    assert.deepEqual(subscribed.flatMap(messagesOf), ['pusher_internal:subscription_succeeded']);
    assert.deepEqual(await session.poll().rest(), [{ type: 'heartbeat', line: 'h' }], 'held for the heartbeat period, then h');
    const waiting = session.poll();
    await sdkFor(server, APP).trigger('poll-channel', 'e', 'x');
    assert.deepEqual((await waiting.rest()).flatMap(messagesOf), ['e'], 'a held poll is answered when a message arrives');
  });

  it('answers a pending poll with h when the client polls again', async () => {
    const { session } = await openPolling(server);
    const first = session.poll();
    await first.response;
    const second = session.poll();
    assert.deepEqual(await first.rest(), [{ type: 'heartbeat', line: 'h' }]);
    await session.send([{ event: 'pusher:ping', data: {} }]);
    assert.deepEqual((await second.rest()).flatMap(messagesOf), ['pusher:pong']);
  });

  it('refuses an unknown app key after o, so pusher-js applies 4001 (stream and poll)', async () => {
    const session = new RawHttpSession(server.httpUrl, 'no-such-key');
    const stream = session.stream();
    const frames = await stream.rest();
    assert.deepEqual(frames.map((frame) => frame.type), ['heartbeat', 'open', 'messages', 'close']);
    const error = frames[2]?.type === 'messages' ? frames[2].messages[0] : undefined;
    assert.equal(error?.event, 'pusher:error');
    assert.equal((error.data as { code: number }).code, 4001);
    assert.deepEqual(frames[3], { type: 'close', code: 4001, reason: 'App key no-such-key does not exist' });

    const polling = new RawHttpSession(server.httpUrl, 'no-such-key');
    assert.deepEqual(await polling.poll().rest(), [{ type: 'open', line: 'o' }]);
    const refusal = await polling.poll().rest();
    assert.deepEqual(refusal.map((frame) => frame.type), ['messages', 'close']);
    assert.equal(refusal[1]?.type === 'close' && refusal[1].code, 4001);
    assert.equal((await polling.send([])).status, 404, 'the refused session is gone');
  });

  it('answers the CORS preflight of pusher-js POSTs (Content-Type: application/json)', async () => {
    const session = new RawHttpSession(server.httpUrl, APP.key);
    for (const kind of ['xhr_streaming', 'xhr', 'xhr_send']) {
      const answer = await request(server.host, server.port, 'OPTIONS', `${session.base}/${kind}?t=1&n=1`, {
        origin: 'http://localhost:8080',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      });
      assert.equal(answer.status, 204);
      assert.equal(answer.headers['access-control-allow-origin'], '*');
      assert.match(answer.headers['access-control-allow-methods'] ?? '', /\bPOST\b/);
      assert.match(answer.headers['access-control-allow-headers'] ?? '', /content-type/i);
      assert.ok(Number(answer.headers['access-control-max-age']) > 0);
    }
  });

  it('answers bad requests with their documented errors', async () => {
    const unknown = new RawHttpSession(server.httpUrl, APP.key);
    const notFound = await unknown.send([]);
    assert.equal(notFound.status, 404);
    assert.equal((JSON.parse(notFound.body) as { code: string }).code, 'SB_HTTP_SESSION_NOT_FOUND');
    assert.equal(notFound.headers['access-control-allow-origin'], '*');

    const badPath = await request(server.host, server.port, 'POST', '/pusher/app/key-1/1/bad.session/xhr_streaming', {});
    assert.equal(badPath.status, 400);
    assert.equal((JSON.parse(badPath.body) as { code: string }).code, 'SB_HTTP_INVALID_SESSION');
    const longPart = await request(server.host, server.port, 'POST', `/pusher/app/key-1/1/${'a'.repeat(65)}/xhr_send`, {}, '[]');
    assert.equal(longPart.status, 400);

    const { session, stream } = await openStream(server);
    for (const body of ['', 'nope', '{}', '[1]', '[{"event":"pusher:ping"}]']) {
      const answer = await session.send({ raw: body });
      assert.equal(answer.status, 400, body);
      assert.equal((JSON.parse(answer.body) as { code: string }).code, 'SB_HTTP_INVALID_SEND');
    }
    const wrongKind = await request(server.host, server.port, 'POST', `${session.base}/xhr?n=99`, {});
    assert.equal(wrongKind.status, 409);
    assert.equal((JSON.parse(wrongKind.body) as { code: string }).code, 'SB_HTTP_TRANSPORT_MISMATCH');
    const wrongMethod = await request(server.host, server.port, 'GET', `${session.base}/xhr_streaming`);
    assert.equal(wrongMethod.status, 405);

    // An invalid message inside a valid body is answered like a bad WebSocket frame.
    assert.equal((await session.send(['not json'])).status, 204);
    const error = await stream.nextEvent('pusher:error');
    assert.equal((error.data as { message: string }).message, 'Invalid JSON: every frame must be one JSON object');
    assert.ok(server.server.engine.connectionCount >= 1, 'the session survives bad input');
    stream.abort();
  });

  it('applies xhr_send bodies in n order, and gives up on a gap after the reorder window', async () => {
    const { session, stream } = await openStream(server);
    const n = session.nextN();
    assert.equal((await session.send([SUBSCRIBE('second')], n + 1)).status, 204);
    assert.equal((await session.send([SUBSCRIBE('first')], n)).status, 204);
    const first = await stream.nextEvent('pusher_internal:subscription_succeeded');
    const second = await stream.nextEvent('pusher_internal:subscription_succeeded');
    assert.deepEqual([first.channel, second.channel], ['first', 'second']);
    // n + 2 is never sent (another session's request on the same page): n + 3 waits, then goes.
    assert.equal((await session.send([SUBSCRIBE('after-gap')], n + 3)).status, 204);
    assert.equal((await stream.nextEvent('pusher_internal:subscription_succeeded')).channel, 'after-gap');
    stream.abort();
  });

  it('applies the app origin allow-list when a session opens (4009 after o)', async () => {
    const allowed = 'http://localhost:8080';
    const guarded = await startServer({ apps: [{ ...APP, allowedOrigins: [allowed] }] });
    try {
      const refused = new RawHttpSession(guarded.httpUrl, APP.key, { origin: 'http://localhost:9090' }).stream();
      const frames = await refused.rest();
      assert.deepEqual(frames.map((frame) => frame.type), ['heartbeat', 'open', 'messages', 'close']);
      assert.ok(frames[3]?.type === 'close' && frames[3].code === 4009, JSON.stringify(frames[3]));
      const welcome = new RawHttpSession(guarded.httpUrl, APP.key, { origin: allowed }).stream();
      await welcome.nextEvent('pusher:connection_established');
      welcome.abort();
    } finally {
      await guarded.close();
    }
  });

  it('binds a session to the Origin that opened it', async () => {
    const session = new RawHttpSession(server.httpUrl, APP.key, { origin: 'http://localhost:8080' });
    const stream = session.stream();
    await stream.nextEvent('pusher:connection_established');
    const foreign = await session.send([SUBSCRIBE('c')], session.nextN(), { origin: 'http://localhost:9090' });
    assert.equal(foreign.status, 403);
    assert.equal((JSON.parse(foreign.body) as { code: string }).code, 'SB_HTTP_ORIGIN_MISMATCH');
    const foreignStream = await request(server.host, server.port, 'POST', `${session.base}/xhr_streaming`, { origin: 'http://localhost:9090' });
    assert.equal(foreignStream.status, 403);
    assert.equal((await session.send([SUBSCRIBE('c')])).status, 204);
    await stream.nextEvent('pusher_internal:subscription_succeeded', 'c');
    stream.abort();
  });
});

describe('HTTP transports: sessions', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      apps: [
        { ...APP, clientEvents: true, maxEventDataBytes: 400_000 },
        { id: 'few', key: 'few-key', secret: 'few-secret', maxConnections: 100 },
      ],
      websocket: { maxPayloadBytes: 500_000 },
      httpTransports: { heartbeatInterval: 1, disconnectGrace: 1, reorderWindowMs: 5_000, maxPendingMessages: 3, maxSendBytes: 900_000 },
    });
  });
  after(() => server.close());

  it('attaches the client rotation after 256 KiB to the same session, without a second o and without losing a frame', async () => {
    const { session, stream, socketId } = await openStream(server);
    await session.send([SUBSCRIBE('big')]);
    await stream.nextEvent('pusher_internal:subscription_succeeded');
    const sdk = sdkFor(server, APP);
    await sdk.trigger('big', 'large', 'x'.repeat(300_000));
    await stream.nextEvent('large');
    assert.ok(stream.chars > 256 * 1024, 'the stream is past the point where pusher-js rotates');
    // Written while the old stream is still attached: it must wait for the next stream.
    await sdk.trigger('big', 'after', 'one');
    await sdk.trigger('big', 'after', 'two');
    const next = session.stream();
    stream.abort();
    assert.equal((await next.next()).type, 'heartbeat', 'the prelude again');
    const frame = await next.nextNonHeartbeat();
    assert.ok(frame.type === 'messages', 'no second o');
    assert.deepEqual(frame.messages.map((message) => message.data), ['one', 'two']);
    assert.equal(server.server.engine.connection(socketId)?.closing, false, 'the same connection');
    next.abort();
  });

  it('keeps frames queued between polls, and delivers them all on the next poll', async () => {
    const { session } = await openPolling(server);
    await session.send([SUBSCRIBE('gap')]);
    const sdk = sdkFor(server, APP);
    await sdk.trigger('gap', 'while-away', 'one');
    await sdk.trigger('gap', 'while-away', 'two');
    const frames = await session.poll().rest();
    assert.equal(frames.length, 1, 'one a[...] frame');
    const frame = frames[0] as HttpFrame;
    assert.deepEqual(
      frame.type === 'messages' ? frame.messages.map((message) => message.data ?? message.event) : [],
      ['{}', 'one', 'two'],
    );
  });

  it('holds at most maxPendingMessages sends back for their order, then applies them without waiting', async () => {
    const { session, stream } = await openStream(server);
    const n = session.nextN();
    // n is late: the sends after it wait for it (reorderWindowMs is long here)...
    for (let i = 1; i <= 3; i += 1) assert.equal((await session.send([SUBSCRIBE(`p${i + 1}`)], n + i)).status, 204);
    // ...until one more than the bound is held: then all of them go, in order, and n on arrival.
    assert.equal((await session.send([SUBSCRIBE('p5')], n + 4)).status, 204);
    assert.equal((await session.send([SUBSCRIBE('p1')], n)).status, 204);
    const channels: (string | undefined)[] = [];
    for (let i = 0; i < 5; i += 1) channels.push((await stream.nextEvent('pusher_internal:subscription_succeeded')).channel);
    assert.deepEqual(channels, ['p2', 'p3', 'p4', 'p5', 'p1']);
    stream.abort();
  });

  it('accepts an xhr_send of maxPendingMessages messages, and refuses one more with 429', async () => {
    const { session, stream } = await openStream(server);
    const ping = { event: 'pusher:ping', data: {} };
    assert.equal((await session.send([ping, ping, ping])).status, 204);
    for (let i = 0; i < 3; i += 1) await stream.nextEvent('pusher:pong');
    const refused = await session.send([ping, ping, ping, ping]);
    assert.equal(refused.status, 429);
    assert.equal((JSON.parse(refused.body) as { code: string }).code, 'SB_HTTP_SEND_BACKLOG');
    stream.abort();
  });

  it('ends a session whose client is gone after the grace period, with the normal disconnect logic', async () => {
    const watcher = await RawClient.connect(server.wsUrl, APP.key);
    const sdk = sdkFor(server, APP);
    const channel = 'presence-room';
    const join = (socketId: string, userId: string): unknown => {
      const data = { user_id: userId };
      const { auth, channel_data } = sdk.authorizeChannel(socketId, channel, data);
      return { event: 'pusher:subscribe', data: { auth, channel_data, channel } };
    };
    watcher.client.send(join(watcher.socketId, 'watcher'));
    await watcher.client.nextEvent('pusher_internal:subscription_succeeded');
    const { session, stream, socketId } = await openStream(server);
    await session.send([join(socketId, 'http-user')]);
    await stream.nextEvent('pusher_internal:subscription_succeeded');
    const added = await watcher.client.nextEvent('pusher_internal:member_added');
    assert.equal((dataOf(added) as { user_id: string }).user_id, 'http-user');
    // The client vanishes: it aborts its stream and sends nothing.
    stream.abort();
    const removed = await watcher.client.nextEvent('pusher_internal:member_removed');
    assert.deepEqual(dataOf(removed), { user_id: 'http-user' });
    await eventually(() => server.server.engine.connection(socketId) === undefined, 'the connection is released');
    await eventually(async () => (await session.send([])).status === 404, 'the session is forgotten');
    await watcher.client.close();
  });

  it('writes a server-side close on the next poll when none is pending', async () => {
    const { session, socketId } = await openPolling(server);
    server.server.engine.connection(socketId)?.close(CloseReasons.userTerminated);
    const frames = await session.poll().rest();
    assert.deepEqual(frames.map((frame) => frame.type), ['messages', 'close']);
    assert.deepEqual(frames[1], { type: 'close', code: 4009, reason: CloseReasons.userTerminated.message });
  });
});

describe('HTTP transports: bounds', () => {
  it('opens maxSessionsPerApp sessions per app key, and closes one more with o then 4100', async () => {
    const server = await startServer({ httpTransports: { maxSessionsPerApp: 2 } });
    try {
      const open = [await openStream(server), await openStream(server)];
      const third = new RawHttpSession(server.httpUrl, APP.key).stream();
      assert.deepEqual(
        (await third.rest()).map((frame) => (frame.type === 'close' ? frame.code : frame.type)),
        ['open', 4100],
      );
      for (const { stream } of open) stream.abort();
    } finally {
      await server.close();
    }
  });

  it('accepts an xhr_send body of exactly maxSendBytes, and refuses one byte more with 413', async () => {
    const server = await startServer({ apps: [{ ...APP, maxEventDataBytes: 10 }], httpTransports: { maxSendBytes: 1_100 } });
    try {
      const { session, stream } = await openStream(server);
      const body = (size: number): string => {
        const ping = '{"event":"pusher:ping","data":{}}';
        const empty = JSON.stringify([ping]).length;
        return JSON.stringify([ping + ' '.repeat(size - empty)]);
      };
      assert.equal(body(1_100).length, 1_100);
      assert.equal((await session.send({ raw: body(1_100) })).status, 204);
      await stream.nextEvent('pusher:pong');
      const refused = await session.send({ raw: body(1_101) });
      assert.equal(refused.status, 413);
      assert.equal((JSON.parse(refused.body) as { code: string }).code, 'SB_HTTP_SEND_TOO_LARGE');
      stream.abort();
    } finally {
      await server.close();
    }
  });

  it('queues exactly maxQueuedBytes for a client that is not reading, and closes with 4100 over it', async () => {
    const channel = 'q';
    const subscribed = `{"event":"pusher_internal:subscription_succeeded","channel":"${channel}","data":"{}"}`.length;
    const eventSize = (data: string): number => encodeChannelEvent(channel, 'e', data).length;
    const maxQueuedBytes = 2_000;
    const server = await startServer({ httpTransports: { maxQueuedBytes } });
    try {
      for (const extra of [0, 1]) {
        const { session } = await openPolling(server);
        // No poll is pending from here on: everything queues.
        await session.send([SUBSCRIBE(channel)]);
        const fill = maxQueuedBytes - subscribed - eventSize('') + extra;
        await sdkFor(server, APP).trigger(channel, 'e', 'x'.repeat(fill));
        const frames = await session.poll().rest();
        if (extra === 0) {
          assert.deepEqual(frames.flatMap(messagesOf), ['pusher_internal:subscription_succeeded', 'e'], 'exactly at the bound');
        } else {
          assert.deepEqual(frames, [{ type: 'close', code: 4100, reason: CloseReasons.slowConsumer.message }], 'one byte over it');
        }
      }
    } finally {
      await server.close();
    }
  });

  it('serves a custom httpPath, and nothing when HTTP transports are disabled', async () => {
    const custom = await startServer({ httpPath: '/realtime/http' });
    try {
      const session = new RawHttpSession(custom.httpUrl, APP.key, { path: '/realtime/http' });
      assert.deepEqual(await session.poll().rest(), [{ type: 'open', line: 'o' }]);
      const stock = await request(custom.host, custom.port, 'POST', '/pusher/app/key-1/1/abc/xhr');
      assert.equal(stock.status, 404);
    } finally {
      await custom.close();
    }
    const disabled = await startServer({ httpTransports: { enabled: false } });
    try {
      const answer = await request(disabled.host, disabled.port, 'POST', '/pusher/app/key-1/1/abc/xhr');
      assert.equal(answer.status, 404);
    } finally {
      await disabled.close();
    }
  });

  it('closes HTTP sessions with 4200 on graceful shutdown', async () => {
    const server = await startServer();
    const { stream } = await openStream(server);
    const { session: polling } = await openPolling(server);
    const poll = polling.poll();
    await poll.response;
    await server.close();
    const streamed = await stream.rest();
    assert.deepEqual(streamed.at(-1), { type: 'close', code: 4200, reason: CloseReasons.serverShutdown.message });
    const polled = await poll.rest();
    assert.deepEqual(polled.at(-1), { type: 'close', code: 4200, reason: CloseReasons.serverShutdown.message });
  });
});
