/**
 * Browser side, shared by the examples: connects pusher-js to the Switchboard the runner started,
 * with only the public pusher-js API. The runner serves `/config.json` (the app key and
 * Switchboard's port, on the same host as the page) and the auth endpoint `/pusher/auth` on the
 * page's own origin, as a user's backend would.
 *
 * `?transport=xhr_streaming` (or `xhr_polling`, `ws`) in the page's address restricts pusher-js to
 * that transport, to try the HTTP fallbacks a client behind a WebSocket-blocking proxy would use.
 */
import Pusher, { type Channel } from 'pusher-js';

/** What the runner serves at /config.json. */
export interface ExampleConfig {
  readonly key: string;
  readonly port: number;
}

/** Sent to the auth endpoint with each private/presence subscription (as form fields). */
export type AuthParams = Readonly<Record<string, string>>;

const TRANSPORTS = ['ws', 'xhr_streaming', 'xhr_polling'] as const;
type TransportName = (typeof TRANSPORTS)[number];

function isTransportName(value: string): value is TransportName {
  return (TRANSPORTS as readonly string[]).includes(value);
}

/** The transport named by `?transport=`, if any (anything else is ignored). */
export function requestedTransport(): TransportName | undefined {
  const value = new URLSearchParams(location.search).get('transport');
  return value !== null && isTransportName(value) ? value : undefined;
}

/** The room named by `?room=` (letters, digits, `-` and `_`), or `lobby`. */
export function roomName(): string {
  const value = new URLSearchParams(location.search).get('room') ?? '';
  return /^[A-Za-z0-9_-]{1,40}$/.test(value) ? value : 'lobby';
}

export async function loadConfig(): Promise<ExampleConfig> {
  const response = await fetch('/config.json');
  if (!response.ok) throw new Error(`GET /config.json: ${response.status}`);
  return (await response.json()) as ExampleConfig;
}

/** A pusher-js client for the example's Switchboard; `auth` goes to /pusher/auth with every subscription. */
export function connect(config: ExampleConfig, auth: AuthParams = {}): Pusher {
  const transport = requestedTransport();
  return new Pusher(config.key, {
    cluster: 'local',
    wsHost: location.hostname,
    wsPort: config.port,
    httpHost: location.hostname,
    httpPort: config.port,
    httpPath: '/pusher',
    forceTLS: false,
    enableStats: false,
    ...(transport === undefined ? {} : { enabledTransports: [transport] }),
    channelAuthorization: { endpoint: '/pusher/auth', transport: 'ajax', params: auth },
  });
}

/**
 * Shows in `element` the connection state as pusher-js reports it (with the transport asked for)
 * and whether `channel` is joined; `data-state` and `data-joined` carry the same for styles and
 * tests.
 */
export function showConnectionState(pusher: Pusher, channel: Channel, element: HTMLElement): void {
  const only = requestedTransport();
  const show = (): void => {
    const state = pusher.connection.state;
    const joined = state === 'connected' && channel.subscribed;
    element.textContent = `${state}${only === undefined ? '' : ` (${only} only)`}${joined ? ` · in room ${roomName()}` : ''}`;
    element.dataset['state'] = state;
    element.dataset['joined'] = String(joined);
  };
  show();
  pusher.connection.bind('state_change', show);
  channel.bind('pusher:subscription_succeeded', show);
}

/** The element with this id, or an error naming it (the page's HTML is the script's contract). */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`the page has no <${type.name}> #${id}`);
  return element;
}

/** A random id of 32 hex digits (crypto.randomUUID is for secure contexts; a LAN address is not one). */
export function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
