/**
 * pusher-js (Node build) over the HTTP fallback transports only (`enabledTransports` set to
 * `xhr_streaming`, then `xhr_polling`): everything a WebSocket client does works the same way,
 * including stream rotation after a large message and the close codes sent by the server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloseReasons } from '../src/protocol/errors.js';
import {
  clientFor,
  connected,
  disconnect,
  nextEvent,
  presenceMembers,
  sdkFor,
  signedIn,
  stateReached,
  subscribed,
  type ClientOptions,
  type PusherClient,
} from './helpers/pusher.js';
import { APP, startServer, type TestServer } from './helpers/server.js';

type HttpTransportName = 'xhr_streaming' | 'xhr_polling';

/** pusher-js internals, read only to prove which transport and which stream request are in use. */
interface PusherInternals {
  readonly connection: { readonly connection: { readonly transport: { readonly name: string; readonly socket: { readonly stream: object } } } | null };
}

function transportOf(client: PusherClient): { name: string; stream: object } | undefined {
  const transport = (client as unknown as PusherInternals).connection.connection?.transport;
  return transport === undefined ? undefined : { name: transport.name, stream: transport.socket.stream };
}

/** Codes of the connection's error events: a pusher:error, or a handshake refusal wrapping one. */
function errorCodes(client: PusherClient): number[] {
  const codes: number[] = [];
  client.connection.bind('error', (event: { data?: { code?: unknown }; error?: { data?: { code?: unknown } } }) => {
    const code = event.data?.code ?? event.error?.data?.code;
    if (typeof code === 'number') codes.push(code);
  });
  return codes;
}

for (const transport of ['xhr_streaming', 'xhr_polling'] as const satisfies readonly HttpTransportName[]) {
  describe(`pusher-js over ${transport}`, () => {
    let server: TestServer;
    const clients: PusherClient[] = [];

    /** A pusher-js client that can only use `transport`, pointed at the server with http* options. */
    function httpClient(options: ClientOptions = {}, key = APP.key): PusherClient {
      const client = clientFor(server, { ...APP, key }, {
        ...options,
        extra: { enabledTransports: [transport], httpHost: server.host, httpPort: server.port, httpPath: '/pusher', ...options.extra },
      });
      clients.push(client);
      return client;
    }

    before(async () => {
      server = await startServer({
        apps: [{ ...APP, clientEvents: true, maxEventDataBytes: 400_000 }],
        websocket: { maxPayloadBytes: 500_000 },
        httpTransports: { disconnectGrace: 1, maxSendBytes: 900_000 },
      });
    });
    after(async () => {
      await Promise.all(clients.map((client) => disconnect(client)));
      await server.close();
    });

    it('connects, subscribes and receives an event triggered with the SDK', async () => {
      const client = httpClient();
      const socketId = await connected(client);
      assert.match(socketId, /^\d+\.\d+$/);
      assert.equal(transportOf(client)?.name, transport);
      const channel = await subscribed(client, 'news');
      const received = nextEvent(channel, 'breaking');
      await sdkFor(server, APP).trigger('news', 'breaking', { headline: 'HTTP works' });
      assert.deepEqual((await received).data, { headline: 'HTTP works' });
    });

    it('relays client events to the other subscribers, never back to the sender', async () => {
      const sender = httpClient();
      const receiver = httpClient();
      await Promise.all([connected(sender), connected(receiver)]);
      const [senderChannel, receiverChannel] = await Promise.all([subscribed(sender, 'private-chat'), subscribed(receiver, 'private-chat')]);
      let echoed = false;
      senderChannel.bind('client-typing', () => (echoed = true));
      const received = nextEvent(receiverChannel, 'client-typing');
      assert.equal(senderChannel.trigger('client-typing', { who: 'sender' }), true);
      assert.deepEqual((await received).data, { who: 'sender' });
      // A round trip on the sender's own session: an echo would have been written before it.
      const pong = nextEvent(sender, 'pusher:pong');
      sender.send_event('pusher:ping', {});
      await pong;
      assert.equal(echoed, false);
    });

    it('keeps presence: members on join, member_added, and member_removed once a client is gone', async () => {
      const alice = httpClient({ presence: { user_id: 'alice', user_info: { name: 'Alice' } } });
      const bob = httpClient({ presence: { user_id: 'bob' } });
      const aliceChannel = await subscribed(alice, 'presence-room');
      const added = nextEvent(aliceChannel, 'pusher:member_added');
      const bobChannel = await subscribed(bob, 'presence-room');
      assert.deepEqual(Object.keys(presenceMembers(bobChannel).members as object).sort(), ['alice', 'bob']);
      assert.equal(((await added).data as { id: string }).id, 'bob');
      const removed = nextEvent(aliceChannel, 'pusher:member_removed');
      // pusher-js sends nothing when it disconnects over HTTP: the server notices the session is
      // gone after the grace period and runs the normal disconnect logic.
      await disconnect(bob);
      assert.equal(((await removed).data as { id: string }).id, 'bob');
      assert.equal(presenceMembers(aliceChannel).count, 1);
    });

    it('signs in, and receives events sent to the user', async () => {
      const client = httpClient({ user: { id: 'user-7', user_info: { name: 'Seven' } } });
      await signedIn(client);
      const received = new Promise<unknown>((resolve) => client.user.bind('notice', resolve));
      await sdkFor(server, APP).sendToUser('user-7', 'notice', { to: 'you' });
      assert.deepEqual(await received, { to: 'you' });
    });

    it('delivers a message over 256 KiB and everything after it, on the same connection', async () => {
      const client = httpClient();
      const socketId = await connected(client);
      const channel = await subscribed(client, 'bulk');
      const streamBefore = transportOf(client)?.stream;
      const large = 'x'.repeat(300_000);
      const events: unknown[] = [];
      channel.bind('part', (data: unknown) => events.push(data));
      const last = nextEvent(channel, 'last');
      const sdk = sdkFor(server, APP);
      await sdk.trigger('bulk', 'part', large);
      await sdk.trigger('bulk', 'part', 'small-1');
      await sdk.trigger('bulk', 'part', 'small-2');
      await sdk.trigger('bulk', 'last', 'done');
      await last;
      assert.deepEqual(events, [large, 'small-1', 'small-2']);
      assert.equal(client.connection.state, 'connected');
      assert.equal(client.connection.socket_id, socketId, 'no reconnect: the same session and socket id');
      if (transport === 'xhr_streaming') {
        assert.notEqual(transportOf(client)?.stream, streamBefore, 'pusher-js replaced its stream (rotation)');
      }
    });

    it('reconnects at once with a new session on a server close with 4200, and subscribes again', async () => {
      const client = httpClient();
      const firstSocketId = await connected(client);
      const channel = await subscribed(client, 'resilient');
      const resubscribed = nextEvent(channel, 'pusher:subscription_succeeded');
      const reconnecting = stateReached(client, 'connecting');
      server.server.engine.connection(firstSocketId)?.close(CloseReasons.serverShutdown);
      await reconnecting;
      const secondSocketId = await connected(client);
      assert.notEqual(secondSocketId, firstSocketId);
      await resubscribed;
      const received = nextEvent(channel, 'again');
      await sdkFor(server, APP).trigger('resilient', 'again', 'yes');
      assert.equal((await received).data, 'yes');
    });

    it('stops for good on 4001 (unknown app key)', async () => {
      const client = httpClient({}, 'no-such-key');
      const codes = errorCodes(client);
      const states: string[] = [];
      client.connection.bind('state_change', (change: { previous: string; current: string }) =>
        states.push(`${change.previous} -> ${change.current}`),
      );
      await stateReached(client, 'disconnected');
      assert.ok(codes.includes(4001), `error codes seen: ${codes.join(', ')}`);
      // A retry would go back to connecting; `refused` goes straight to disconnected.
      assert.deepEqual(states, ['connecting -> disconnected']);
    });

    it('stops for good when the app terminates the user (4009)', async () => {
      const client = httpClient({ user: { id: 'to-terminate' } });
      await signedIn(client);
      const codes = errorCodes(client);
      const stopped = stateReached(client, 'disconnected');
      await sdkFor(server, APP).terminateUserConnections('to-terminate');
      await stopped;
      assert.ok(codes.includes(4009), `error codes seen: ${codes.join(', ')}`);
    });
  });
}
