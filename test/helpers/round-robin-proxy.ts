/**
 * A load balancer in front of several nodes that sends each HTTP request to the next node in turn,
 * the worst case for HTTP fallback sessions: consecutive requests of one session land on different
 * nodes. Bodies and streaming responses are piped through as they come.
 */
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobinProxy {
  readonly port: number;
  /** Requests sent to each upstream port, by index. */
  readonly counts: number[];
  close(): Promise<void>;
}

export async function startRoundRobinProxy(upstreamPorts: readonly number[]): Promise<RoundRobinProxy> {
  const counts = upstreamPorts.map(() => 0);
  let next = 0;
  const server = createServer((request, response) => {
    const index = next % upstreamPorts.length;
    next += 1;
    counts[index] = (counts[index] ?? 0) + 1;
    const upstream = httpRequest(
      { host: '127.0.0.1', port: upstreamPorts[index], method: request.method, path: request.url, headers: request.headers, agent: false },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    response.on('close', () => upstream.destroy());
    request.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    counts,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
