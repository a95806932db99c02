/** Graceful shutdown: /ready turns 503, clients are closed with 4200, the process exits 0. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { CloseReasons } from '../src/protocol/errors.js';
import { startCli } from './helpers/cli.js';
import { RawClient } from './helpers/raw-client.js';
import { RawHttpSession } from './helpers/raw-http-session.js';
import { APP, startServer, type TestServer } from './helpers/server.js';
import { eventually } from './helpers/wait.js';
import { WebhookReceiver } from './helpers/webhook-receiver.js';

function getStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('graceful shutdown', () => {
  it('answers /ready with 503 while draining, closes clients with 4200 and refuses new ones', async () => {
    const server = await startServer();
    const { client } = await RawClient.connect(server.wsUrl, APP.key);
    // A client that does not read keeps the drain from completing until it does.
    client.ws.pause();
    assert.equal(await getStatus(server.port, '/ready'), 200);
    const closing = server.close();
    assert.equal(await getStatus(server.port, '/ready'), 503);
    const late = await RawClient.open(server.wsUrl, `/app/${APP.key}?protocol=7`);
    assert.equal((await late.closed).code, 4200, 'a connection during the drain is sent away with 4200');
    client.ws.resume();
    const closed = await client.closed;
    assert.equal(closed.code, 4200);
    await closing;
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal}, closes clients with 4200 and exits 0`, async () => {
      const cli = await startCli(['start', '--port', '0'], { SWITCHBOARD_LOG_LEVEL: 'info' });
      const { client } = await RawClient.connect(`ws://127.0.0.1:${cli.port}`, 'app-key');
      cli.signal(signal);
      assert.equal((await client.closed).code, 4200);
      assert.equal(await cli.exited, 0);
    });
  }

  it('exits 0 within the grace period even when a client never answers the close', async () => {
    const cli = await startCli(['start', '--port', '0'], { SWITCHBOARD_SHUTDOWN_GRACE_PERIOD: '1' });
    const { client } = await RawClient.connect(`ws://127.0.0.1:${cli.port}`, 'app-key');
    client.ws.pause();
    cli.signal('SIGTERM');
    assert.equal(await cli.exited, 0);
    assert.ok(cli.lines.some((line) => line.includes('grace period over')), 'the cut-off is logged');
  });
});

/**
 * A keep-alive client that, once the server has answered a first request on its connection (so
 * the server holds the connection), sends all of a second request but its last header line: that
 * request is in flight until `complete()`.
 */
class HalfSentRequest {
  readonly socket: Socket;
  /** Resolves once the first answer is in and the second request's head is sent. */
  readonly sent: Promise<void>;
  /** Everything received after the first answer, until the server closes the connection. */
  readonly received: Promise<string>;

  /** `endWhen`: the client ends its side once what it received satisfies it. */
  constructor(port: number, head: string, endWhen: (text: string) => boolean = () => false) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.write('GET / HTTP/1.1\r\nHost: switchboard\r\n\r\n');
    let text = '';
    let first = true;
    this.sent = new Promise((resolve) => {
      this.socket.on('data', (chunk: Buffer) => {
        if (first) {
          first = false;
          this.socket.write(head);
          resolve();
          return;
        }
        text += chunk.toString('latin1');
        if (endWhen(text)) this.socket.end();
      });
    });
    this.received = new Promise((resolve) => {
      this.socket.on('error', (error) => resolve(`error ${error.message}`));
      this.socket.on('close', () => resolve(text));
    });
  }

  /** Sends the blank line that completes the headers. */
  complete(): void {
    this.socket.write('\r\n');
  }
}

/** The payload of a close frame with code 4200 (0x1068) and the shutdown reason, as read in latin1. */
const WEBSOCKET_CLOSE_4200 = `\x10\x68${CloseReasons.serverShutdown.message}`;

describe('graceful shutdown, arrivals', () => {
  it('answers every client arriving during the shutdown (503, 4200, c[4200]) until the listener closes, never a reset', async () => {
    const receiver = await WebhookReceiver.start();
    // The first webhook (channel_occupied) hangs until released; later ones are answered at once.
    receiver.answer = (_request, index) => (index === 0 ? 'hang' : 200);
    const server = await startServer({ apps: [{ ...APP, webhooks: [{ url: receiver.url() }] }], webhooks: { batchWindowMs: 10 } });
    try {
      const { client } = await RawClient.connect(server.wsUrl, APP.key);
      client.send({ event: 'pusher:subscribe', data: { channel: 'busy' } });
      await client.nextEvent('pusher_internal:subscription_succeeded');
      await receiver.until(() => receiver.hanging === 1);

      // The drain waits for the webhook to be delivered.
      const closing = server.close();
      assert.equal((await client.closed).code, 4200);
      assert.equal(await getStatus(server.port, '/ready'), 503);
      const late = await RawClient.open(server.wsUrl, `/app/${APP.key}?protocol=7`);
      assert.equal((await late.closed).code, 4200);
      const session = new RawHttpSession(server.httpUrl, APP.key).stream();
      session.request.end();
      assert.deepEqual((await session.rest()).filter((frame) => frame.type !== 'heartbeat'), [
        { type: 'open', line: 'o' },
        { type: 'messages', messages: [{ event: 'pusher:error', data: { code: 4200, message: CloseReasons.serverShutdown.message } }] },
        { type: 'close', code: 4200, reason: CloseReasons.serverShutdown.message },
      ]);

      // Requests in flight when the listener closes are still answered.
      const ready = new HalfSentRequest(server.port, 'GET /ready HTTP/1.1\r\nHost: switchboard\r\nConnection: close\r\n');
      const upgrade = new HalfSentRequest(
        server.port,
        `GET /app/${APP.key}?protocol=7 HTTP/1.1\r\nHost: switchboard\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n',
        (text) => text.includes(WEBSOCKET_CLOSE_4200),
      );
      const stream = new HalfSentRequest(server.port, `POST /pusher/app/${APP.key}/1/abcdefgh/xhr_streaming?protocol=7 HTTP/1.1\r\nHost: switchboard\r\nContent-Length: 0\r\nConnection: close\r\n`);
      await Promise.all([ready.sent, upgrade.sent, stream.sent]);
      receiver.release();
      await eventually(() => !listening(server), 'the listener closes');
      for (const request of [ready, upgrade, stream]) request.complete();
      const [readyAnswer, upgradeAnswer, streamAnswer] = await Promise.all([ready.received, upgrade.received, stream.received]);
      assert.match(readyAnswer, /^HTTP\/1\.1 503 /);
      assert.match(upgradeAnswer, /^HTTP\/1\.1 101 /);
      assert.ok(upgradeAnswer.includes(WEBSOCKET_CLOSE_4200), 'the upgraded connection is closed with 4200');
      assert.match(streamAnswer, /^HTTP\/1\.1 200 [\s\S]*c\[4200,/);
      await closing;
    } finally {
      await server.close();
      await receiver.close();
    }
  });
});

function listening(server: TestServer): boolean {
  try {
    return server.server.address.port > 0;
  } catch {
    return false;
  }
}
