/**
 * Laravel Echo (the `laravel-echo` package, broadcaster `pusher`) against Switchboard, configured
 * as a Laravel app configures it: Echo builds its own pusher-js client from its options, the
 * backend publishes namespaced event names (`App\Events\...`) through the `pusher` SDK. Covered
 * over WebSocket and over the xhr_streaming fallback: public `listen`, private channels with
 * `whisper` / `listenForWhisper`, and presence `here` / `joining` / `leaving`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Echo from 'laravel-echo';
import type { Options as PusherOptions } from 'pusher-js';
import { PusherClient, sdkFor, stateReached, type PusherServer } from './helpers/pusher.js';
import { APP, startServer, type TestServer } from './helpers/server.js';

interface User {
  readonly id: number;
  readonly name: string;
}

type EchoClient = Echo<'pusher'>;

type TransportOptions = Pick<PusherOptions, 'enabledTransports' | 'httpHost' | 'httpPort' | 'httpPath'>;

const TRANSPORTS: readonly { name: string; options: (server: TestServer) => TransportOptions }[] = [
  { name: 'WebSocket', options: () => ({ enabledTransports: ['ws'] }) },
  {
    name: 'xhr_streaming',
    options: (server) => ({ enabledTransports: ['xhr_streaming'], httpHost: server.host, httpPort: server.port, httpPath: '/pusher' }),
  },
];

/** Resolves when an Echo channel reports its subscription. */
function subscribedTo(channel: { subscribed: (callback: () => void) => unknown }): Promise<void> {
  return new Promise((resolve) => channel.subscribed(resolve));
}

/** Resolves with the first value a callback registration hands over. */
function first<T>(register: (callback: (value: T) => void) => void): Promise<T> {
  return new Promise((resolve) => register(resolve));
}

for (const transport of TRANSPORTS) {
  describe(`Laravel Echo over ${transport.name}`, () => {
    let server: TestServer;
    let sdk: PusherServer;
    const clients: EchoClient[] = [];

    /** An Echo instance as a Laravel app creates it; auth goes through the SDK, as /broadcasting/auth would. */
    const echoFor = (user: User): EchoClient => {
      const echo = new Echo({
        broadcaster: 'pusher',
        // pusher-js's CommonJS typings describe the module, not the class Echo receives.
        Pusher: PusherClient as never,
        key: APP.key,
        cluster: 'mt1',
        wsHost: server.host,
        wsPort: server.port,
        forceTLS: false,
        ...transport.options(server),
        channelAuthorization: {
          endpoint: '/broadcasting/auth',
          transport: 'ajax',
          customHandler: ({ socketId, channelName }, callback) => {
            // Laravel sends numeric user ids; the SDK's typings only know strings.
            const presence = channelName.startsWith('presence-') ? { user_id: user.id, user_info: user } : undefined;
            callback(null, sdk.authorizeChannel(socketId, channelName, presence as never));
          },
        },
      });
      clients.push(echo);
      return echo;
    };

    const connectedEcho = async (user: User): Promise<EchoClient> => {
      const echo = echoFor(user);
      // The pusher-js client Echo built (typed through laravel-echo's own view of pusher-js).
      const pusher: unknown = echo.connector.pusher;
      await stateReached(pusher as PusherClient, 'connected');
      return echo;
    };

    before(async () => {
      server = await startServer({ apps: [{ ...APP, clientEvents: true }] });
      sdk = sdkFor(server, APP);
    });
    after(async () => {
      for (const echo of clients) echo.disconnect();
      await server.close();
    });

    it('delivers a namespaced Laravel event to `listen`', async () => {
      const echo = await connectedEcho({ id: 1, name: 'Ada' });
      const channel = echo.channel('orders');
      await subscribedTo(channel);
      const shipped = first<unknown>((callback) => channel.listen('OrderShipped', callback));
      const raw = first<unknown>((callback) => channel.listen('.raw-event', callback));
      await sdk.trigger('orders', 'App\\Events\\OrderShipped', { order: { id: 7 } });
      await sdk.trigger('orders', 'raw-event', { plain: true });
      assert.deepEqual(await shipped, { order: { id: 7 } });
      assert.deepEqual(await raw, { plain: true });
    });

    it('joins private channels and relays whispers between users, not back to the sender', async () => {
      const [ada, bob] = await Promise.all([connectedEcho({ id: 1, name: 'Ada' }), connectedEcho({ id: 2, name: 'Bob' })]);
      const adaChannel = ada.private('chat.1');
      const bobChannel = bob.private('chat.1');
      await Promise.all([subscribedTo(adaChannel), subscribedTo(bobChannel)]);
      let echoedToSender = false;
      adaChannel.listenForWhisper('typing', () => (echoedToSender = true));
      const typing = first<unknown>((callback) => bobChannel.listenForWhisper('typing', callback));
      adaChannel.whisper('typing', { name: 'Ada' });
      assert.deepEqual(await typing, { name: 'Ada' });

      const note = first<unknown>((callback) => adaChannel.listen('NoteAdded', callback));
      await sdk.trigger('private-chat.1', 'App\\Events\\NoteAdded', { text: 'hi' });
      assert.deepEqual(await note, { text: 'hi' });
      assert.equal(echoedToSender, false, 'the whisper was not echoed to its sender');
    });

    it('reports presence with here, joining and leaving', async () => {
      const ada = await connectedEcho({ id: 1, name: 'Ada' });
      const adaRoom = ada.join('room.5');
      const adaHere = await first<User[]>((callback) => adaRoom.here(callback));
      assert.deepEqual(adaHere, [{ id: 1, name: 'Ada' }]);

      const joined = first<User>((callback) => adaRoom.joining(callback));
      const bob = await connectedEcho({ id: 2, name: 'Bob' });
      const bobHere = await first<User[]>((callback) => bob.join('room.5').here(callback));
      assert.deepEqual(
        bobHere.map((user) => user.name).sort(),
        ['Ada', 'Bob'],
      );
      assert.deepEqual(await joined, { id: 2, name: 'Bob' });

      const left = first<User>((callback) => adaRoom.leaving(callback));
      bob.leave('room.5');
      assert.deepEqual(await left, { id: 2, name: 'Bob' });
    });
  });
}
