/**
 * Who a request comes from: the client address (per-address limits, logs) and the scheme it used.
 * The one place that decides it. Without `http.trustProxy` it is the TCP peer and the listener's
 * own scheme; behind trusted proxies it is read from X-Forwarded-For / X-Forwarded-Proto with
 * proxy-addr, as Express does:
 * - X-Forwarded-For is walked from the right (the peer, then the hop each proxy appended), skipping
 *   trusted addresses; the client is the first untrusted one (the leftmost entry when all are).
 *   A peer that is not trusted has its headers ignored entirely, so a client cannot choose the
 *   address it is counted under by sending them itself.
 * - X-Forwarded-Proto is taken only from a trusted peer (its first value, `http` or `https`).
 * - A malformed entry never fails a request: the client is then the nearest well-formed hop
 *   (the peer, with one proxy).
 * IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, a dual-stack listener's IPv4 peers) match IPv4
 * ranges and are reported in their IPv4 form.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import proxyAddr from 'proxy-addr';

import type { ClientAddress, Scheme } from '../shared/client-address.js';

export type { ClientAddress, Scheme } from '../shared/client-address.js';

/** `http.trustProxy`: trust no peer, every peer, or the peers in these addresses and ranges. */
export type TrustProxySetting = boolean | readonly string[];

/** Resolves the client of a request under one trust setting (compiled once). */
export type ClientResolver = (request: IncomingMessage) => ClientAddress;

type TrustFunction = (address: string, hop: number) => boolean;

const IPV4_MAPPED = '::ffff:';
const UNKNOWN = 'unknown';

/** Throws a TypeError naming the first unusable entry (the config schema rejects those first). */
export function createClientResolver(setting: TrustProxySetting): ClientResolver {
  if (setting === false || (setting !== true && setting.length === 0)) return peerOnly;
  const trust: TrustFunction = setting === true ? trustEveryone : proxyAddr.compile([...setting]);
  return (request) => forwardedClient(request, trust);
}

/** The TCP peer itself, whatever headers say: for listeners no proxy stands in front of (admin). */
export function peerAddressOf(request: IncomingMessage): string {
  return peerOnly(request).address;
}

function peerOnly(request: IncomingMessage): ClientAddress {
  return { address: canonical(request.socket.remoteAddress ?? UNKNOWN), scheme: socketScheme(request) };
}

function forwardedClient(request: IncomingMessage, trust: TrustFunction): ClientAddress {
  const peer = request.socket.remoteAddress;
  if (peer === undefined) return { address: UNKNOWN, scheme: socketScheme(request) };
  // [peer, the hop the peer reported, ...] up to and including the first untrusted one.
  const hops = proxyAddr.all(request, trust);
  let address = peer;
  for (let index = hops.length - 1; index >= 0; index -= 1) {
    const hop = hops[index];
    if (hop !== undefined && isIP(hop) !== 0) {
      address = hop;
      break;
    }
  }
  const scheme = trust(peer, 0) ? (forwardedScheme(request) ?? socketScheme(request)) : socketScheme(request);
  return { address: canonical(address), scheme };
}

function trustEveryone(): boolean {
  return true;
}

/** The first value of X-Forwarded-Proto when it is http or https (the proxy the client reached). */
function forwardedScheme(request: IncomingMessage): Scheme | undefined {
  const header = request.headers['x-forwarded-proto'];
  const value = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim().toLowerCase();
  return value === 'http' || value === 'https' ? value : undefined;
}

function socketScheme(request: IncomingMessage): Scheme {
  return (request.socket as Partial<TLSSocket>).encrypted === true ? 'https' : 'http';
}

/** An IPv4 client on a dual-stack listener is the same client as on an IPv4 one. */
function canonical(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith(IPV4_MAPPED) && isIP(lower.slice(IPV4_MAPPED.length)) === 4 ? lower.slice(IPV4_MAPPED.length) : address;
}
