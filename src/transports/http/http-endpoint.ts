/**
 * The pusher-js HTTP fallback endpoint (protocol §8): three POST routes under
 * `{httpPath}/app/{key}/{server}/{session}/`:
 * - `xhr_streaming` and `xhr` (receive): the first request of a session opens it and hands it to
 *   the engine exactly as a WebSocket upgrade would (same admission, same refusals, sent after
 *   `o` so pusher-js applies the close code); later ones attach to the session;
 * - `xhr_send`: a JSON array of message strings, applied in client order; 204.
 * CORS preflights are answered by the HTTP server for every path; every answer here carries
 * `Access-Control-Allow-Origin`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionClaim, SessionRegistry } from '../../cluster/session-registry.js';
import type { AddressLimits } from '../../core/address-limits.js';
import type { Engine } from '../../core/engine.js';
import type { Logger } from '../../shared/logger.js';
import { BodyTooLargeError, readBody } from '../../http/read-body.js';
import type { ClientAddress, ClientResolver } from '../../http/remote-address.js';
import { corsHeaders, sendError } from '../../http/respond.js';
import type { Route, RouteParams } from '../../http/router.js';
import { ApiErrors, CloseReasons } from '../../protocol/errors.js';
import type { FlushScheduler } from '../flush-scheduler.js';
import { closeFrame, OPEN_FRAME, parseSendBody, refusalFrames } from './http-frames.js';
import { HttpSession, type HttpSessionLimits } from './http-session.js';
import { ReceiveResponse, type ReceiveKind } from './receive-response.js';
import type { ForwardOutcome, RemoteSessions } from './remote-sessions.js';
import type { SessionDirectory } from './session-directory.js';

export interface HttpEndpointOptions {
  readonly engine: Engine;
  /** Sessions held on this node. */
  readonly directory: SessionDirectory;
  /** With several nodes: where each session lives, and the relay to the other nodes. */
  readonly cluster?: { readonly registry: SessionRegistry; readonly remote: RemoteSessions } | undefined;
  readonly scheduler: FlushScheduler;
  readonly logger: Logger;
  /** `''` or `/segment[/segment...]`, as pusher-js `httpPath`. */
  readonly httpPath: string;
  readonly maxSendBytes: number;
  readonly limits: HttpSessionLimits;
  /** Who a request comes from (the TCP peer, or the client a trusted proxy forwarded). */
  readonly resolveClient: ClientResolver;
  /** Per client address limits: a new session counts as a connection until it ends. */
  readonly addressLimits?: AddressLimits | undefined;
}

const noRelease = (): void => undefined;

/** pusher-js sends `{0-999}/{8 of [0-9a-v]}`; SockJS-style clients use similar short tokens. */
const SESSION_PART = /^[A-Za-z0-9_-]{1,64}$/;
const SEQUENCE = /^\d{1,15}$/;

interface SessionAddress {
  readonly key: string;
  readonly id: string;
}

function addressOf(params: RouteParams): SessionAddress | undefined {
  const key = params['key'] ?? '';
  const server = params['server'] ?? '';
  const session = params['session'] ?? '';
  if (key === '' || !SESSION_PART.test(server) || !SESSION_PART.test(session)) return undefined;
  // The key is part of the id: two apps' clients may pick the same session token.
  return { key, id: `${key}/${server}/${session}` };
}

function queryOf(request: IncomingMessage): URLSearchParams {
  const url = request.url ?? '';
  const start = url.indexOf('?');
  return new URLSearchParams(start === -1 ? '' : url.slice(start + 1));
}

/** pusher-js's page-wide request counter, `n`. */
function sequenceOf(query: URLSearchParams): number | undefined {
  const n = query.get('n');
  return n !== null && SEQUENCE.test(n) ? Number(n) : undefined;
}

export class HttpEndpoint {
  readonly #options: HttpEndpointOptions;

  constructor(options: HttpEndpointOptions) {
    this.#options = options;
  }

  routes(): Route[] {
    const base = `${this.#options.httpPath}/app/:key/:server/:session`;
    return [
      { method: 'POST', path: `${base}/xhr_streaming`, handler: (req, res, params) => this.#receive('xhr_streaming', req, res, params) },
      { method: 'POST', path: `${base}/xhr`, handler: (req, res, params) => this.#receive('xhr_polling', req, res, params) },
      { method: 'POST', path: `${base}/xhr_send`, handler: (req, res, params) => this.#send(req, res, params) },
    ];
  }

  /**
   * Claims every session held here again, after the cluster state lost this node's entries (the
   * store restarted empty, or the other nodes presumed this node dead): until then a request for
   * one of them reaching another node would find it nowhere and open a second session there.
   */
  async reclaimSessions(): Promise<void> {
    const cluster = this.#options.cluster;
    if (cluster === undefined) return;
    let failed = 0;
    for (const session of this.#options.directory.sessions()) {
      try {
        const claim = await cluster.registry.claim(session.id);
        if (claim.owner === 'other') {
          // The client moved on to a session of the same id on another node: this one is stale.
          session.destroy();
        }
      } catch (error) {
        failed += 1;
        if (failed === 1) this.#options.logger.warn({ err: error }, 'HTTP sessions: reclaiming after a state loss failed');
      }
    }
  }

  /** Shutdown: ends every session still held (after the engine has drained its connections). */
  close(): void {
    this.#options.cluster?.remote.close();
    for (const session of this.#options.directory.sessions()) session.destroy();
  }

  async #receive(kind: ReceiveKind, request: IncomingMessage, response: ServerResponse, params: RouteParams): Promise<void> {
    request.resume();
    const address = addressOf(params);
    if (address === undefined) return sendError(request, response, ApiErrors.httpInvalidSession);
    const query = queryOf(request);
    const n = sequenceOf(query);
    const origin = request.headers.origin;
    for (;;) {
      const found = await this.#options.directory.lookup(address.id);
      switch (found.where) {
        case 'here': {
          const session = found.session;
          if (session.origin !== origin) return sendError(request, response, ApiErrors.httpOriginMismatch);
          if (session.name !== kind) return sendError(request, response, ApiErrors.httpTransportMismatch);
          session.receive(new ReceiveResponse(kind, request, response), n);
          return;
        }
        case 'nowhere': {
          if (this.#options.engine.draining) {
            // No new session while shutting down, and no registry call (the state may be closing).
            const { code, message } = CloseReasons.serverShutdown;
            new ReceiveResponse(kind, request, response).finish(refusalFrames(code, message));
            return;
          }
          // Checked before the registry is asked, so a refused client costs no shared-state call.
          const client = this.#options.resolveClient(request);
          const admission = this.#options.addressLimits?.admit(client.address);
          if (admission?.admitted === false) {
            this.#options.logger.debug({ remoteAddress: client.address, code: admission.reason.code }, 'HTTP session refused: per-address limit');
            new ReceiveResponse(kind, request, response).finish(refusalFrames(admission.reason.code, admission.reason.message));
            return;
          }
          const release = admission?.release ?? noRelease;
          const claim = await this.#claim(address.id, request, response);
          if (claim === undefined) return release();
          if (claim.owner === 'other') {
            release();
            const outcome = await this.#options.cluster?.remote.forwardReceive(claim.nodeId, address.id, kind, origin, n, request, response);
            if (outcome !== 'accepted') this.#answerOutcome(outcome ?? 'timeout', request, response);
            return;
          }
          if (this.#open(kind, address, client, request, response, n, query.get('protocol'), release)) return;
          // 'taken': another request opened the same session meanwhile; attach to it instead.
          release();
        }
      }
    }
  }

  /**
   * Which node holds (or now holds, if nobody did) the session; undefined when the registry is
   * unreachable (answered with 503 here).
   */
  async #claim(id: string, request: IncomingMessage, response: ServerResponse): Promise<SessionClaim | undefined> {
    const cluster = this.#options.cluster;
    if (cluster === undefined) return { owner: 'self' };
    try {
      return await cluster.registry.claim(id);
    } catch (error) {
      this.#options.logger.warn({ err: error, session: id }, 'HTTP session registry unreachable');
      sendError(request, response, ApiErrors.httpSessionUnavailable);
      return undefined;
    }
  }

  /** Answers with what became of a request: 204 when accepted, else its error. */
  #answerOutcome(outcome: ForwardOutcome, request: IncomingMessage, response: ServerResponse): void {
    const errors = {
      accepted: undefined,
      backlog: ApiErrors.httpSendBacklog,
      'not-found': ApiErrors.httpSessionNotFound,
      'origin-mismatch': ApiErrors.httpOriginMismatch,
      'transport-mismatch': ApiErrors.httpTransportMismatch,
      timeout: ApiErrors.httpSessionUnavailable,
    } as const;
    const error = errors[outcome];
    if (error === undefined) {
      response.writeHead(204, corsHeaders(request));
      response.end();
      return;
    }
    sendError(request, response, error);
  }

  /** Opens a session and asks the engine to admit it; false if the id was taken meanwhile. */
  #open(
    kind: ReceiveKind,
    address: SessionAddress,
    client: ClientAddress,
    request: IncomingMessage,
    response: ServerResponse,
    n: number | undefined,
    protocol: string | null,
    release: () => void,
  ): boolean {
    const { directory, engine, logger } = this.#options;
    const origin = request.headers.origin;
    const session = new HttpSession({
      id: address.id,
      appKey: address.key,
      kind,
      origin,
      client,
      scheduler: this.#options.scheduler,
      limits: this.#options.limits,
      onFinished: (finished) => {
        release();
        directory.unregister(finished);
        this.#options.cluster?.registry.release(finished.id).catch((error: unknown) => {
          logger.warn({ err: error, session: finished.id }, 'could not release an HTTP session in the registry');
        });
      },
    });
    const registered = directory.register(session);
    if (registered === 'taken') return false;
    if (registered === 'app-full') {
      release();
      // No session is kept; `o` first so that pusher-js applies the code (backoff, then retry).
      const { code, message } = CloseReasons.httpSessionLimit;
      new ReceiveResponse(kind, request, response).finish(OPEN_FRAME + closeFrame(code, message));
      return true;
    }
    session.receive(new ReceiveResponse(kind, request, response), n);
    engine.accept(session, { key: address.key, protocol, origin }).catch((error: unknown) => {
      logger.error({ err: error, session: address.id }, 'HTTP session admission failed');
      session.destroy();
    });
    return true;
  }

  async #send(request: IncomingMessage, response: ServerResponse, params: RouteParams): Promise<void> {
    const address = addressOf(params);
    if (address === undefined) {
      request.resume();
      return sendError(request, response, ApiErrors.httpInvalidSession);
    }
    const found = await this.#options.directory.lookup(address.id);
    let owner: string | undefined;
    if (found.where === 'nowhere') {
      try {
        owner = await this.#options.cluster?.registry.find(address.id);
      } catch (error) {
        this.#options.logger.warn({ err: error, session: address.id }, 'HTTP session registry unreachable');
        request.resume();
        return sendError(request, response, ApiErrors.httpSessionUnavailable);
      }
      if (owner === undefined) {
        request.resume();
        return sendError(request, response, ApiErrors.httpSessionNotFound);
      }
    } else if (found.session.origin !== request.headers.origin) {
      request.resume();
      return sendError(request, response, ApiErrors.httpOriginMismatch);
    }
    let body: Buffer;
    try {
      body = await readBody(request, this.#options.maxSendBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return sendError(request, response, ApiErrors.httpSendTooLarge);
      // The client went away mid-body: nothing to answer.
      this.#options.logger.debug({ err: error, session: address.id }, 'xhr_send body not received');
      response.destroy();
      return;
    }
    const messages = parseSendBody(body.toString('utf8'));
    if (messages === undefined) return sendError(request, response, ApiErrors.httpInvalidSend);
    const n = sequenceOf(queryOf(request));
    const remote = this.#options.cluster?.remote;
    if (found.where === 'nowhere') {
      const outcome = remote === undefined || owner === undefined ? 'not-found' : await remote.forwardSend(owner, address.id, request.headers.origin, n, messages);
      return this.#answerOutcome(outcome, request, response);
    }
    this.#answerOutcome(found.session.incoming(n, messages), request, response);
  }
}
