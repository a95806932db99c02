/**
 * The gate in front of every HTTP API handler: the app exists (404; 503 with Retry-After when the
 * app store cannot tell), the body fits (413), the request is signed (401), the app is enabled
 * (403). Nothing else happens before it passes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppStoreUnavailableError, type App } from '../apps/app-store.js';
import { RETRY_AFTER_SECONDS } from '../cluster/unavailable.js';
import { BodyAbortedError, BodyTooLargeError, readBody } from '../http/read-body.js';
import { sendError } from '../http/respond.js';
import { ApiErrors } from '../protocol/errors.js';
import { verifyRestRequest } from '../protocol/rest-auth.js';
import type { ApiContext } from './api-context.js';

export interface AuthenticatedRequest {
  readonly app: App;
  readonly body: Buffer;
  readonly query: URLSearchParams;
}

/** Answers the request itself and returns undefined when it must not proceed. */
export async function authenticate(
  context: ApiContext,
  request: IncomingMessage,
  response: ServerResponse,
  appId: string,
): Promise<AuthenticatedRequest | undefined> {
  let app: App | undefined;
  try {
    app = await context.apps.findById(appId);
  } catch (error) {
    if (!(error instanceof AppStoreUnavailableError)) throw error;
    request.resume();
    context.logger.warn({ err: error, app: appId }, 'API request refused: the app store is unavailable');
    sendError(request, response, ApiErrors.appStoreUnavailable, undefined, { 'retry-after': String(RETRY_AFTER_SECONDS) });
    return undefined;
  }
  if (app === undefined) {
    request.resume();
    sendError(request, response, ApiErrors.appNotFound, `The app ${appId} could not be found`);
    return undefined;
  }
  let body: Buffer;
  try {
    body = await readBody(request, context.maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      sendError(request, response, ApiErrors.bodyTooLarge, `Request ${error.message}`, { connection: 'close' });
      return undefined;
    }
    if (error instanceof BodyAbortedError) {
      // Cut by the request deadline or gone: nobody to answer.
      response.destroy();
      return undefined;
    }
    throw error;
  }
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const rawQuery = queryStart === -1 ? '' : url.slice(queryStart + 1);
  const result = verifyRestRequest(app, { method: request.method ?? 'GET', path, rawQuery, body }, context.now());
  if (!result.ok) {
    // The error's fixed reason only: the query holds the signature, which is never logged.
    if (context.logger.isLevelEnabled('debug')) {
      context.logger.debug(
        { app: app.id, path, error: result.error.id, reason: result.error.message, remoteAddress: context.resolveClient(request).address },
        'API auth failed',
      );
    }
    sendError(request, response, result.error, result.detail);
    return undefined;
  }
  if (!app.enabled) {
    sendError(request, response, ApiErrors.appDisabled);
    return undefined;
  }
  return new Authenticated(app, body, rawQuery);
}

/** The query is parsed only by the handlers that read it (publishes do not). */
class Authenticated implements AuthenticatedRequest {
  #query: URLSearchParams | undefined;

  constructor(
    readonly app: App,
    readonly body: Buffer,
    readonly rawQuery: string,
  ) {}

  get query(): URLSearchParams {
    return (this.#query ??= new URLSearchParams(this.rawQuery));
  }
}
