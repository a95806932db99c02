/**
 * The one HTTP server: the HTTP API, health endpoints and WebSocket upgrades share one port.
 * A handler that throws answers 500 and is logged; it never takes the server down.
 * With TLS options it is an HTTPS server (https:// and wss:// only) with the same behaviour.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Logger } from '../shared/logger.js';
import { ApiErrors } from '../protocol/errors.js';
import { sendError, sendJson, sendPreflight } from './respond.js';
import { runRoute, type Route, type Router } from './router.js';

export interface HttpServerOptions {
  readonly router: Router;
  readonly logger: Logger;
  readonly keepAliveTimeoutSeconds: number;
  /** Bound on receiving one whole request, headers and body; over it: 408 and disconnect. */
  readonly requestTimeoutSeconds: number;
  readonly onUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

/** `notReady` says why this process should get no new clients (e.g. 'draining'), or undefined. */
export function healthRoutes(notReady: () => string | undefined, version: string): Route[] {
  return [
    { method: 'GET', path: '/', handler: (request, response) => sendJson(request, response, 200, { name: 'switchboard', version }) },
    {
      method: 'GET',
      path: '/ready',
      handler: (request, response) => {
        const reason = notReady();
        if (reason === undefined) sendJson(request, response, 200, { ready: true });
        else sendJson(request, response, 503, { ready: false, reason });
      },
    },
  ];
}

/**
 * How often node checks the request and headers deadlines: a few times per deadline, at most
 * every 5 s (node's default, 30 s, would let a slow client stay up to 30 s past its deadline).
 */
function deadlineCheckIntervalMs(requestTimeoutMs: number): number {
  return Math.min(5_000, Math.max(100, Math.floor(requestTimeoutMs / 4)));
}

/**
 * The response each connection is writing, so a client error answers only between responses.
 * Kept on the socket itself (a WeakMap entry per request costs an ephemeron for the collector).
 */
const CURRENT_RESPONSE = Symbol('currentResponse');
type ResponseTracked = Duplex & { [CURRENT_RESPONSE]?: ServerResponse };

/** The server answers https:// and wss:// only, with these credentials (see tls-files.ts). */
export function createHttpServer(options: HttpServerOptions, tls: SecureContextOptions): HttpsServer;
export function createHttpServer(options: HttpServerOptions): Server;
export function createHttpServer(options: HttpServerOptions, tls?: SecureContextOptions): Server {
  const { router, logger } = options;
  const requestTimeoutMs = options.requestTimeoutSeconds * 1000;
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    (request.socket as ResponseTracked)[CURRENT_RESPONSE] = response;
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
    runRoute(match, request, response, fail);
  };
  const connectionsCheckingInterval = deadlineCheckIntervalMs(requestTimeoutMs);
  const server = tls === undefined ? createServer({ connectionsCheckingInterval }, handle) : createTlsServer(tls, connectionsCheckingInterval, requestTimeoutMs, handle, logger);
  server.keepAliveTimeout = options.keepAliveTimeoutSeconds * 1000;
  // One bound for the whole request, so a client trickling its body is cut as soon as one
  // trickling its headers is (node's defaults: 60 s for headers, 300 s for the whole request).
  server.requestTimeout = requestTimeoutMs;
  server.headersTimeout = requestTimeoutMs;
  server.on('upgrade', options.onUpgrade);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const response = (socket as ResponseTracked)[CURRENT_RESPONSE];
    const midResponse = response !== undefined && response.headersSent && !response.writableFinished;
    if (!socket.writable || midResponse) {
      socket.destroy();
      return;
    }
    socket.end(error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? REQUEST_TIMEOUT_ANSWER : BAD_REQUEST_ANSWER);
  });
  return server;
}

/**
 * The HTTPS variant. A TLS handshake is bounded like a request (node's default would hold a
 * silent one for 120 s). A handshake that fails or times out ends the connection at once: node
 * would pass it on to 'clientError', whose answer (a 400 or 408 in clear) cannot be sent over a
 * TLS session that does not exist, and the socket would stay open.
 */
function createTlsServer(
  tls: SecureContextOptions,
  connectionsCheckingInterval: number,
  requestTimeoutMs: number,
  handle: (request: IncomingMessage, response: ServerResponse) => void,
  logger: Logger,
): HttpsServer {
  const server = createHttpsServer({ ...tls, connectionsCheckingInterval, handshakeTimeout: requestTimeoutMs }, handle);
  server.prependListener('tlsClientError', (error: NodeJS.ErrnoException, socket) => {
    logger.debug({ code: error.code, remoteAddress: socket.remoteAddress }, 'TLS handshake failed');
    socket.destroy();
  });
  return server;
}

const BAD_REQUEST_ANSWER = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';
const REQUEST_TIMEOUT_ANSWER = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';
