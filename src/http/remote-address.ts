/**
 * The remote address a request is counted under (per-address limits). The one place that decides
 * it: today the TCP peer; a trusted proxy's X-Forwarded-For (`http.trustProxy`) belongs here.
 */
import type { IncomingMessage } from 'node:http';

const IPV4_MAPPED = '::ffff:';

export function remoteAddressOf(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? 'unknown';
  // An IPv4 client on a dual-stack listener is the same client as on an IPv4 one.
  return address.startsWith(IPV4_MAPPED) && address.includes('.') ? address.slice(IPV4_MAPPED.length) : address;
}
