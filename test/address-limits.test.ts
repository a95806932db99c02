/**
 * Per remote address limits (`perAddress.*`): open connections and new connections per second,
 * counted over WebSockets and HTTP fallback sessions together, by the client's address. Clients
 * bind distinct loopback source addresses (127.0.0.x) to stand for distinct machines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloseReasons } from '../src/protocol/errors.js';
import { clientFor, connected, disconnect } from './helpers/pusher.js';
import { RawClient } from './helpers/raw-client.js';
import { RawHttpSession } from './helpers/raw-http-session.js';
import { APP, startServer, type TestServer } from './helpers/server.js';
import { eventually } from './helpers/wait.js';

const PATH = `/app/${APP.key}?protocol=7`;

async function established(server: TestServer, from: string): Promise<RawClient> {
  const client = await RawClient.open(server.wsUrl, PATH, {}, from);
  assert.equal((await client.next()).event, 'pusher:connection_established', `a connection from ${from} is admitted`);
  return client;
}

async function assertRefused(server: TestServer, from: string, code: number): Promise<void> {
  const client = await RawClient.open(server.wsUrl, PATH, {}, from);
  const error = await client.next();
  assert.equal(error.event, 'pusher:error');
  assert.equal((error.data as { code: number }).code, code);
  assert.equal((await client.closed).code, code);
}

describe('per-address open connections', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ perAddress: { maxConnections: 2 } });
  });
  after(() => server.close());

  it('refuses a third connection from one address with pusher:error then 4101, WebSocket or HTTP session alike', async () => {
    const first = await established(server, '127.0.0.2');
    const second = await established(server, '127.0.0.2');
    await assertRefused(server, '127.0.0.2', CloseReasons.addressConnectionLimit.code);

    const stream = new RawHttpSession(server.httpUrl, APP.key, { localAddress: '127.0.0.2' }).stream();
    stream.request.end();
    const frames = (await stream.rest()).filter((frame) => frame.type !== 'heartbeat');
    const { code, message } = CloseReasons.addressConnectionLimit;
    assert.deepEqual(frames, [
      { type: 'open', line: 'o' },
      { type: 'messages', messages: [{ event: 'pusher:error', data: { code, message } }] },
      { type: 'close', code, reason: message },
    ]);

    // Another address is not affected.
    const other = await established(server, '127.0.0.3');
    await other.close();

    // A closed connection frees its slot.
    await first.close();
    await eventually(async () => {
      const client = await RawClient.open(server.wsUrl, PATH, {}, '127.0.0.2');
      const admitted = (await client.next()).event === 'pusher:connection_established';
      await client.close();
      return admitted;
    }, 'the slot is released');
    await second.close();
  });

  it('counts an HTTP fallback session as a connection until it ends', async () => {
    const session = new RawHttpSession(server.httpUrl, APP.key, { localAddress: '127.0.0.4' });
    const stream = session.stream();
    stream.request.end();
    await stream.nextEvent('pusher:connection_established');
    const ws = await established(server, '127.0.0.4');
    await assertRefused(server, '127.0.0.4', CloseReasons.addressConnectionLimit.code);
    await ws.close();
    stream.abort();
  });

  it('sends pusher-js into its back-off, and it connects once a slot is free', async () => {
    const holders = [await established(server, '127.0.0.1'), await established(server, '127.0.0.1')];
    const pusher = clientFor(server, APP);
    const codes: number[] = [];
    // A refusal before connection_established reaches pusher-js's handshake, which reports it as
    // {type: 'WebSocketError', error: {type: 'PusherError', data}} and applies the close code.
    pusher.connection.bind('error', (event: { error?: { data?: { code?: number } } }) => {
      const code = event.error?.data?.code;
      if (code !== undefined) codes.push(code);
    });
    await eventually(() => codes.length > 0, 'pusher-js is refused');
    assert.equal(codes[0], CloseReasons.addressConnectionLimit.code);
    const holder = holders.pop();
    await holder?.close();
    await connected(pusher);
    await disconnect(pusher);
    for (const rest of holders) await rest.close();
  });
});

describe('per-address connection rate', () => {
  let server: TestServer;
  // The server's clock is driven by the test, so the bucket refills exactly when the test says.
  let clock = Date.now();
  before(async () => {
    server = await startServer({ perAddress: { connectionsPerSecond: 2 } }, { now: () => clock });
  });
  after(() => server.close());

  it('admits a burst of n from one address, refuses the next with 4102, and refills over a second', async () => {
    const burst = [await established(server, '127.0.0.5'), await established(server, '127.0.0.5')];
    await assertRefused(server, '127.0.0.5', CloseReasons.addressConnectionRate.code);
    const other = await established(server, '127.0.0.6');
    clock += 500; // one connection's worth at 2 per second
    burst.push(await established(server, '127.0.0.5'));
    await assertRefused(server, '127.0.0.5', CloseReasons.addressConnectionRate.code);
    for (const client of [...burst, other]) await client.close();
  });
});
