/**
 * `http.trustProxy`: behind a trusted proxy, per-address limits (`perAddress.*`) and logs see the
 * client the proxy forwarded in X-Forwarded-For, over WebSockets and HTTP fallback sessions alike;
 * a peer that is not trusted is counted under its own address whatever headers it sends, so a
 * client cannot dodge a limit by making up X-Forwarded-For. Clients bind distinct loopback
 * source addresses (127.0.0.x) to stand for the proxy and for clients reaching the port directly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { CloseReasons } from '../src/protocol/errors.js';
import { RawClient } from './helpers/raw-client.js';
import { RawHttpSession, type FrameReader } from './helpers/raw-http-session.js';
import { APP, startServer, type TestServer } from './helpers/server.js';

const PATH = `/app/${APP.key}?protocol=7`;
const LIMIT = CloseReasons.addressConnectionLimit;
const PROXY = '127.0.0.2';

/** The headers a proxy adds: the client it saw, and the scheme the client used. */
function forwarded(client: string | undefined, proto?: string): Record<string, string> {
  return { ...(client === undefined ? {} : { 'x-forwarded-for': client }), ...(proto === undefined ? {} : { 'x-forwarded-proto': proto }) };
}

async function webSocket(server: TestServer, peer: string, headers: Record<string, string>): Promise<{ client: RawClient; event: string; code?: number }> {
  const client = await RawClient.open(server.wsUrl, PATH, headers, peer);
  const first = await client.next();
  return { client, event: first.event, ...(first.event === 'pusher:error' ? { code: (first.data as { code: number }).code } : {}) };
}

async function admittedWebSocket(server: TestServer, peer: string, headers: Record<string, string>): Promise<RawClient> {
  const { client, event } = await webSocket(server, peer, headers);
  assert.equal(event, 'pusher:connection_established', `a WebSocket from ${peer} with ${JSON.stringify(headers)} is admitted`);
  return client;
}

async function assertWebSocketRefused(server: TestServer, peer: string, headers: Record<string, string>): Promise<void> {
  const { client, event, code } = await webSocket(server, peer, headers);
  assert.equal(event, 'pusher:error', `a WebSocket from ${peer} with ${JSON.stringify(headers)} is refused`);
  assert.equal(code, LIMIT.code);
  assert.equal((await client.closed).code, LIMIT.code);
}

function stream(server: TestServer, peer: string, headers: Record<string, string>): FrameReader {
  const reader = new RawHttpSession(server.httpUrl, APP.key, { localAddress: peer, headers }).stream();
  reader.request.end();
  return reader;
}

async function admittedStream(server: TestServer, peer: string, headers: Record<string, string>): Promise<FrameReader> {
  const reader = stream(server, peer, headers);
  await reader.nextEvent('pusher:connection_established');
  return reader;
}

async function assertStreamRefused(server: TestServer, peer: string, headers: Record<string, string>): Promise<void> {
  const frames = (await stream(server, peer, headers).rest()).filter((frame) => frame.type !== 'heartbeat');
  assert.deepEqual(frames.at(-1), { type: 'close', code: LIMIT.code, reason: LIMIT.message }, `an HTTP session from ${peer} with ${JSON.stringify(headers)} is refused`);
}

describe('per-address limits behind a trusted proxy', () => {
  let server: TestServer;
  const logLines: Record<string, unknown>[] = [];
  before(async () => {
    server = await startServer(
      { perAddress: { maxConnections: 1 }, http: { trustProxy: [PROXY] } },
      { logger: pino({ level: 'debug' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) }) },
    );
  });
  after(() => server.close());

  it('counts the client the proxy forwarded, not the proxy, over WebSockets and HTTP sessions alike', async () => {
    // Two clients behind the one proxy each have their own slot.
    const first = await admittedWebSocket(server, PROXY, forwarded('203.0.113.7'));
    const second = await admittedWebSocket(server, PROXY, forwarded('203.0.113.8'));
    // The first client's slot is taken, whichever transport it comes back on.
    await assertWebSocketRefused(server, PROXY, forwarded('203.0.113.7'));
    await assertStreamRefused(server, PROXY, forwarded('203.0.113.7'));
    // An HTTP session holds its forwarded client's slot too.
    const third = await admittedStream(server, PROXY, forwarded('2001:db8::9'));
    await assertWebSocketRefused(server, PROXY, forwarded('2001:db8::9'));
    // The proxy's own requests (no header) are counted under the proxy.
    const own = await admittedWebSocket(server, PROXY, {});
    await assertWebSocketRefused(server, PROXY, {});
    // What a client wrote left of the proxy's entry is not believed.
    await assertWebSocketRefused(server, PROXY, forwarded('198.51.100.1, 203.0.113.8'));
    for (const client of [first, second, own]) await client.close();
    third.abort();
  });

  it('counts a peer that is not trusted under its own address, whatever X-Forwarded-For it makes up', async () => {
    const direct = '127.0.0.3';
    const first = await admittedWebSocket(server, direct, forwarded('203.0.113.20'));
    await assertWebSocketRefused(server, direct, forwarded('203.0.113.21'));
    await assertStreamRefused(server, direct, forwarded('203.0.113.22'));
    await assertWebSocketRefused(server, direct, forwarded(PROXY));
    await first.close();
  });

  it('logs the forwarded client and scheme of each connection (at debug level)', async () => {
    const client = await admittedWebSocket(server, PROXY, forwarded('203.0.113.30', 'https'));
    const spoofer = await admittedWebSocket(server, '127.0.0.4', forwarded('203.0.113.31', 'https'));
    const opened = logLines.filter((line) => line['msg'] === 'connection opened');
    const entry = (address: string): unknown => {
      const line = opened.find((candidate) => candidate['remoteAddress'] === address);
      return line === undefined ? undefined : { transport: line['transport'], scheme: line['scheme'] };
    };
    assert.deepEqual(entry('203.0.113.30'), { transport: 'ws', scheme: 'https' });
    assert.deepEqual(entry('127.0.0.4'), { transport: 'ws', scheme: 'http' }, "an untrusted peer's headers are ignored");
    assert.equal(entry('203.0.113.31'), undefined);
    await client.close();
    await spoofer.close();
  });
});

describe('per-address limits with http.trustProxy off (the default)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ perAddress: { maxConnections: 1 } });
  });
  after(() => server.close());

  it('ignores X-Forwarded-For from every peer', async () => {
    const first = await admittedWebSocket(server, '127.0.0.1', forwarded('203.0.113.40'));
    await assertWebSocketRefused(server, '127.0.0.1', forwarded('203.0.113.41'));
    await assertStreamRefused(server, '127.0.0.1', forwarded('203.0.113.42'));
    await first.close();
  });
});
