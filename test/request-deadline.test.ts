/**
 * One deadline for a whole HTTP request (`http.requestTimeout`): a client that trickles its
 * headers or its body is answered 408 and disconnected, on the HTTP API and on xhr_send alike,
 * while long-lived responses (an xhr_streaming session) are not affected.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { RawHttpSession } from './helpers/raw-http-session.js';
import { APP, startServer, type TestServer } from './helpers/server.js';

/** Far above the 1 s deadline (plus node's check interval), far below node's own 300 s. */
const CUT_WITHIN_MS = 10_000;

/** Sends `head` (and nothing more); resolves with what the server sent before closing. */
function trickle(port: number, head: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.write(head);
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  const closed = new Promise<string>((resolve) => {
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(text));
  });
  const notCut = delay(CUT_WITHIN_MS, 'not cut', { ref: false });
  return Promise.race([closed, notCut]).finally(() => socket.destroy());
}

describe('request deadline', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ http: { requestTimeout: 1 } });
  });
  after(() => server.close());

  it('answers 408 and disconnects a slow body or slow headers; a stream outlives the deadline', async () => {
    const session = new RawHttpSession(server.httpUrl, APP.key);
    const stream = session.stream();
    stream.request.end();
    await stream.nextEvent('pusher:connection_established');

    const [apiBody, sendBody, headers] = await Promise.all([
      trickle(server.port, `POST /apps/${APP.id}/events HTTP/1.1\r\nHost: sb\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`),
      trickle(server.port, `POST ${session.base}/xhr_send?n=2 HTTP/1.1\r\nHost: sb\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n["{`),
      trickle(server.port, 'GET /ready HTTP/1.1\r\nHost: sb\r\n'),
    ]);
    for (const answer of [apiBody, sendBody, headers]) assert.match(answer, /^HTTP\/1\.1 408 /);

    // The stream opened before the deadline passed still carries the session.
    const sent = await session.send([{ event: 'pusher:ping', data: {} }]);
    assert.equal(sent.status, 204);
    await stream.nextEvent('pusher:pong');
    stream.abort();
  });
});
