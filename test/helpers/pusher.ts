/**
 * The official clients, wired to a test server: pusher-js (node build) as the client, the `pusher`
 * SDK as the app backend. Channel authorization and user authentication go through the SDK's own
 * `authorizeChannel` / `authenticateUser`, exactly as an app's auth endpoint would.
 */
import { Agent } from 'node:https';
import { createRequire } from 'node:module';
import type * as PusherJs from 'pusher-js';
import type { Channel, Members, Options as PusherClientOptions } from 'pusher-js';
import type PusherServerType from 'pusher';
import type { TestApp, TestServer } from './server.js';

const require = createRequire(import.meta.url);
// pusher-js ships CommonJS typings whose class is `default`; at run time module.exports is the class.
type PusherClientClass = typeof PusherJs.default.default;
export const PusherClient = require('pusher-js') as PusherClientClass;
export const PusherServer = require('pusher') as typeof PusherServerType;
export type PusherClient = InstanceType<PusherClientClass>;
export type PusherServer = PusherServerType;

/** The SDK over http://, or over https:// trusting only `ca` when it is given (a TLS server). */
export function sdkFor(server: TestServer, app: TestApp, ca?: Buffer): PusherServer {
  return new PusherServer({
    appId: app.id,
    key: app.key,
    secret: app.secret,
    host: server.host,
    port: String(server.port),
    useTLS: ca !== undefined,
    ...(ca === undefined ? {} : { agent: new Agent({ ca }) }),
  });
}

export interface ClientOptions {
  /** Presence channel_data the auth endpoint returns: `{user_id, user_info}`. */
  readonly presence?: { user_id: string | number; user_info?: unknown };
  /** user_data for `pusher.signin()`. */
  readonly user?: { id: string; user_info?: unknown; watchlist?: string[] };
  readonly extra?: Partial<PusherClientOptions>;
}

/** A pusher-js client that authorizes through the SDK; connect() has already been called. */
export function clientFor(server: TestServer, app: TestApp, options: ClientOptions = {}): PusherClient {
  const sdk = sdkFor(server, app);
  return new PusherClient(app.key, {
    cluster: 'mt1',
    wsHost: server.host,
    wsPort: server.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    channelAuthorization: {
      endpoint: '/unused',
      transport: 'ajax',
      customHandler: ({ socketId, channelName }, callback) => {
        const data = channelName.startsWith('presence-') ? (options.presence ?? { user_id: socketId }) : undefined;
        callback(null, sdk.authorizeChannel(socketId, channelName, data as never));
      },
    },
    userAuthentication: {
      endpoint: '/unused',
      transport: 'ajax',
      customHandler: ({ socketId }, callback) => {
        callback(null, sdk.authenticateUser(socketId, options.user ?? { id: socketId }));
      },
    },
    ...options.extra,
  });
}

/** Resolves when the client reaches `state` (at once if it is there). */
export function stateReached(client: PusherClient, state: string): Promise<void> {
  if (client.connection.state === state) return Promise.resolve();
  return new Promise((resolve) => {
    const listener = (change: { current: string }): void => {
      if (change.current === state) {
        client.connection.unbind('state_change', listener);
        resolve();
      }
    };
    client.connection.bind('state_change', listener);
  });
}

export async function connected(client: PusherClient): Promise<string> {
  await stateReached(client, 'connected');
  return client.connection.socket_id;
}

/** Subscribes and resolves on success; rejects with the error data on `pusher:subscription_error`. */
export function subscribed(client: PusherClient, name: string): Promise<Channel> {
  const channel = client.subscribe(name);
  return new Promise((resolve, reject) => {
    channel.bind('pusher:subscription_succeeded', () => resolve(channel));
    channel.bind('pusher:subscription_error', (error: unknown) => reject(new SubscriptionFailed(error)));
  });
}

export class SubscriptionFailed extends Error {
  readonly data: unknown;
  constructor(data: unknown) {
    super(`subscription failed: ${JSON.stringify(data)}`);
    this.data = data;
  }
}

/** The next `event` on a channel (or on the client globally when `channel` is the client). */
export function nextEvent<T = unknown>(
  target: { bind: (event: string, callback: (data: T, metadata?: unknown) => void) => unknown; unbind: (event: string, callback: (data: T, metadata?: unknown) => void) => unknown },
  event: string,
): Promise<{ data: T; metadata: unknown }> {
  return new Promise((resolve) => {
    const listener = (data: T, metadata?: unknown): void => {
      target.unbind(event, listener);
      resolve({ data, metadata });
    };
    target.bind(event, listener);
  });
}

/** Disconnects and waits for the client to reach `disconnected`. */
export async function disconnect(client: PusherClient): Promise<void> {
  if (client.connection.state === 'disconnected' || client.connection.state === 'initialized') return;
  const done = stateReached(client, 'disconnected');
  client.disconnect();
  await done;
}

/** The member list of a presence channel (pusher-js types `subscribe` as returning a plain Channel). */
export function presenceMembers(channel: Channel): Members {
  return (channel as unknown as { members: Members }).members;
}

/** Signs the client in (through the SDK's authenticateUser) and resolves on signin_success. */
export async function signedIn(client: PusherClient): Promise<void> {
  await connected(client);
  client.signin();
  await client.user.signinDonePromise;
}
