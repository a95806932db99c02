/**
 * A pusher-js client (Node build) in a process of its own: `node pusher-client-child.js <json>`,
 * started by pusher-client-process.ts. Tests use it when the client must trust a test CA: Node
 * reads NODE_EXTRA_CA_CERTS only at process start, and pusher-js offers no TLS options of its own.
 *
 * The argument is `{key, options, channel, event}`. It connects, subscribes to `channel`, and
 * writes one JSON line per step to stdout: `{kind: 'connected', transport, socketId}`,
 * `{kind: 'subscribed'}`, `{kind: 'event', data}` for each `event`, `{kind: 'state', current}` on
 * every state change. It exits when its stdin closes (the test is done, or gone).
 */
import { createRequire } from 'node:module';
import type * as PusherJs from 'pusher-js';
import type { Options } from 'pusher-js';

export interface ChildRequest {
  readonly key: string;
  readonly options: Options;
  readonly channel: string;
  readonly event: string;
}

/** pusher-js internals, read only to report which transport carries the connection. */
interface PusherInternals {
  readonly connection: { readonly connection: { readonly transport: { readonly name: string } } | null };
}

const require = createRequire(import.meta.url);
const PusherClient = require('pusher-js') as typeof PusherJs.default.default;

const request = JSON.parse(process.argv[2] ?? '{}') as ChildRequest;
const write = (message: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(message)}\n`);
const client = new PusherClient(request.key, request.options);
client.connection.bind('state_change', (change: { current: string }) => {
  write({ kind: 'state', current: change.current });
  if (change.current !== 'connected') return;
  const transport = (client as unknown as PusherInternals).connection.connection?.transport.name;
  write({ kind: 'connected', transport, socketId: client.connection.socket_id });
});
const channel = client.subscribe(request.channel);
channel.bind('pusher:subscription_succeeded', () => write({ kind: 'subscribed' }));
channel.bind(request.event, (data: unknown) => write({ kind: 'event', data }));
process.stdin.resume();
process.stdin.on('end', () => {
  client.disconnect();
  process.exit(0);
});
