/**
 * The one HTTP server: the HTTP API, health endpoints and WebSocket upgrades share one port.
 * A handler that throws answers 500 and is logged; it never takes the server down.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../core/logger.js';
import { ApiErrors } from '../protocol/errors.js';
import { sendError, sendJson, sendPreflight } from './respond.js';
import type { Route, Router } from './router.js';

export interface HttpServerOptions {
  readonly router: Router;
  readonly logger: Logger;
  readonly keepAliveTimeoutSeconds: number;
  readonly onUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export function healthRoutes(isReady: () => boolean, version: string): Route[] {
  return [
    { method: 'GET', path: '/', handler: (request, response) => sendJson(request, response, 200, { name: 'switchboard', version }) },
    {
      method: 'GET',
      path: '/ready',
      handler: (request, response) =>
        isReady()
          ? sendJson(request, response, 200, { ready: true })
          : sendJson(request, response, 503, { ready: false, reason: 'draining' }),
    },
  ];
}

export function createHttpServer(options: HttpServerOptions): Server {
  const { router, logger } = options;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const method = request.method ?? 'GET';
    if (method === 'OPTIONS') {
      request.resume();
      sendPreflight(request, response);
      return;
    }
    const match = router.match(method, request.url ?? '/');
    if (match.kind !== 'found') {
      request.resume();
      sendError(request, response, match.kind === 'wrong-method' ? ApiErrors.methodNotAllowed : ApiErrors.routeNotFound);
      return;
    }
    const fail = (error: unknown): void => {
      logger.error({ err: error, method, url: request.url }, 'HTTP handler failed');
      if (!response.headersSent) sendError(request, response, ApiErrors.internal);
      else response.destroy();
    };
    try {
      const result = match.handler(request, response, match.params);
      if (result !== undefined) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  });
  server.keepAliveTimeout = options.keepAliveTimeoutSeconds * 1000;
  server.headersTimeout = server.keepAliveTimeout + 5_000;
  server.on('upgrade', options.onUpgrade);
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  return server;
}
