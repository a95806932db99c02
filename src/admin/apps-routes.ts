/**
 * The apps API on the admin listener (behind `admin.token` like every admin route):
 *
 *   GET    /api/apps               200 {"apps": [app, ...]}
 *   POST   /api/apps               201 {"app": {..., "secret"}}     (id, key, secret generated when absent)
 *   GET    /api/apps/{id}          200 {"app": app}                  or 404
 *   PATCH  /api/apps/{id}          200 {"app": app}                  partial; null removes a setting
 *   DELETE /api/apps/{id}          204                               or 404
 *   POST   /api/apps/{id}/secret   200 {"secret": "<new>"}           body {"secret"} optional
 *
 * An app is `{id, key, name, enabled, ...every per-app setting}`, never with its secret (only
 * creation and rotation answer one). 400 names the invalid field, 409 a taken id or key, and every
 * write answers 409 when apps come from the config file; 503 with Retry-After when the database
 * does not answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConflictError, AppValidationError, ReadOnlyAppsError } from '../apps/app-errors.js';
import type { AppManager } from '../apps/app-manager.js';
import { publicApp } from '../apps/app-record.js';
import { AppStoreUnavailableError } from '../apps/app-store.js';
import { RETRY_AFTER_SECONDS } from '../cluster/unavailable.js';
import { BodyAbortedError, BodyTooLargeError, readBody } from '../http/read-body.js';
import type { Route, RouteParams } from '../http/router.js';
import { sendAdminJson } from './admin-listener.js';

/** Largest request body (an app with many webhook endpoints fits easily). */
const MAX_BODY_BYTES = 256 * 1024;

type AppsHandler = (request: IncomingMessage, response: ServerResponse, params: RouteParams) => Promise<void>;

class BadBodyError extends Error {}

async function jsonBody(request: IncomingMessage): Promise<unknown> {
  let body: Buffer;
  try {
    body = await readBody(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new BadBodyError(`the body is over ${MAX_BODY_BYTES} bytes`);
    throw error;
  }
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadBodyError('the body is not valid JSON');
  }
}

function notFound(response: ServerResponse, id: string): void {
  sendAdminJson(response, 404, { error: `app ${id} not found` });
}

/** Maps what managing apps fails with to its answer; anything else is the listener's 500. */
function guarded(manager: AppManager, write: boolean, handler: AppsHandler): AppsHandler {
  return async (request, response, params) => {
    if (write && !manager.writable) {
      request.resume();
      return sendAdminJson(response, 409, { error: new ReadOnlyAppsError().message });
    }
    try {
      await handler(request, response, params);
    } catch (error) {
      if (response.headersSent) throw error;
      if (error instanceof BadBodyError) return sendAdminJson(response, 400, { error: error.message });
      if (error instanceof AppValidationError) return sendAdminJson(response, 400, { error: error.message, field: error.field });
      if (error instanceof AppConflictError) return sendAdminJson(response, 409, { error: error.message, field: error.field });
      if (error instanceof ReadOnlyAppsError) return sendAdminJson(response, 409, { error: error.message });
      if (error instanceof AppStoreUnavailableError) {
        return sendAdminJson(response, 503, { error: 'the app store is unavailable; retry shortly' }, { 'retry-after': String(RETRY_AFTER_SECONDS) });
      }
      if (error instanceof BodyAbortedError) return void response.destroy();
      throw error;
    }
  };
}

export function appsRoutes(manager: AppManager): Route[] {
  const route = (method: Route['method'], path: string, write: boolean, handler: AppsHandler): Route => ({
    method,
    path,
    handler: guarded(manager, write, handler),
  });
  return [
    route('GET', '/api/apps', false, async (_request, response) => {
      sendAdminJson(response, 200, { apps: (await manager.list()).map(publicApp) });
    }),
    route('POST', '/api/apps', true, async (request, response) => {
      const app = await manager.create(await jsonBody(request));
      sendAdminJson(response, 201, { app: { ...publicApp(app), secret: app.secret } });
    }),
    route('GET', '/api/apps/:id', false, async (_request, response, { id = '' }) => {
      const app = await manager.get(id);
      if (app === undefined) return notFound(response, id);
      sendAdminJson(response, 200, { app: publicApp(app) });
    }),
    route('PATCH', '/api/apps/:id', true, async (request, response, { id = '' }) => {
      const app = await manager.update(id, await jsonBody(request));
      if (app === undefined) return notFound(response, id);
      sendAdminJson(response, 200, { app: publicApp(app) });
    }),
    route('DELETE', '/api/apps/:id', true, async (_request, response, { id = '' }) => {
      if (!(await manager.remove(id))) return notFound(response, id);
      response.writeHead(204);
      response.end();
    }),
    route('POST', '/api/apps/:id/secret', true, async (request, response, { id = '' }) => {
      const secret = await manager.rotateSecret(id, await jsonBody(request));
      if (secret === undefined) return notFound(response, id);
      sendAdminJson(response, 200, { secret });
    }),
  ];
}
