/**
 * The admin listener: a second HTTP server for operators, never for clients (loopback by
 * default). It is a small router: whoever composes it passes the routes (metrics, readiness, the
 * apps API, the dashboard); a route that takes a body reads it itself. Every request is checked
 * first (admin-access.ts: the bearer `admin.token` or a dashboard session, same-origin writes).
 * Answers carry no CORS headers: browsers on other origins get nothing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../shared/logger.js';
import { peerAddressOf } from '../http/remote-address.js';
import { Router, runRoute, type Route } from '../http/router.js';
import { decideAccess } from './admin-access.js';
import type { SessionStore } from './dashboard/session-store.js';

export interface AdminListenerOptions {
  readonly host: string;
  readonly port: number;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  readonly token: string | undefined;
  readonly routes: readonly Route[];
  readonly logger: Logger;
  /** The dashboard's sessions, when the dashboard is served (see admin-access.ts). */
  readonly sessions?: SessionStore | undefined;
}

/** The admin listener could not bind; the message names the config key to change. */
export class AdminListenError extends Error {
  override readonly name = 'AdminListenError';
}

/** Keep-alive connections of scrapers are closed after this long idle. */
const KEEP_ALIVE_MS = 5_000;
/** A request must be complete within this long (a scraper never needs more). */
const REQUEST_TIMEOUT_MS = 30_000;

export function sendAdminJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

export class AdminListener {
  readonly #options: AdminListenerOptions;
  readonly #server: Server;

  constructor(options: AdminListenerOptions) {
    this.#options = options;
    const router = new Router(options.routes);
    this.#server = createServer((request, response) => this.#handle(router, request, response));
    this.#server.keepAliveTimeout = KEEP_ALIVE_MS;
    this.#server.headersTimeout = KEEP_ALIVE_MS + 1_000;
    this.#server.requestTimeout = REQUEST_TIMEOUT_MS;
  }

  /** Binds `admin.host:admin.port`; rejects with an AdminListenError naming the key at fault. */
  listen(): Promise<AddressInfo> {
    const { host, port, logger } = this.#options;
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        const where = `${host}:${port}`;
        if (error.code === 'EADDRINUSE') {
          reject(new AdminListenError(`admin.port ${port} is already in use on ${host}: choose another admin.port (SWITCHBOARD_ADMIN_PORT) or stop what holds ${where}`));
        } else {
          reject(new AdminListenError(`admin listener cannot listen on ${where} (admin.host / admin.port): ${error.message}`));
        }
      };
      this.#server.once('error', onError);
      this.#server.listen(port, host, () => {
        this.#server.off('error', onError);
        const address = this.address;
        logger.info({ host: address.address, port: address.port, token: this.#options.token !== undefined }, `Admin listener on ${address.address}:${address.port}`);
        resolve(address);
      });
    });
  }

  get address(): AddressInfo {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('admin listener is not listening');
    return address;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #handle(router: Router, request: IncomingMessage, response: ServerResponse): void {
    const { token, logger, sessions } = this.#options;
    const access = decideAccess(request, token, sessions);
    if (!access.ok) {
      request.resume();
      // Why, never the token.
      if (logger.isLevelEnabled('debug')) {
        logger.debug({ url: request.url, reason: access.reason, remoteAddress: peerAddressOf(request) }, 'admin auth failed');
      }
      sendAdminJson(response, access.status, { error: access.error, code: access.code }, access.headers);
      return;
    }
    const match = router.match(request.method ?? 'GET', request.url ?? '/');
    if (match.kind !== 'found') {
      request.resume();
      const status = match.kind === 'wrong-method' ? 405 : 404;
      sendAdminJson(response, status, { error: status === 405 ? 'Method not allowed' : 'Not found', code: status === 405 ? 'method_not_allowed' : 'not_found' });
      return;
    }
    const fail = (error: unknown): void => {
      logger.error({ err: error, url: request.url }, 'admin handler failed');
      if (!response.headersSent) sendAdminJson(response, 500, { error: 'Internal error', code: 'internal' });
      else response.destroy();
    };
    runRoute(match, request, response, fail);
  }
}
