/**
 * HTTP routing on find-my-way: routes are data (method, path, handler); a path that exists under
 * another method answers 405, anything else 404, OPTIONS answers the CORS preflight.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import FindMyWay from 'find-my-way';

export type RouteParams = Readonly<Record<string, string>>;
export type RouteHandler = (request: IncomingMessage, response: ServerResponse, params: RouteParams) => Promise<void> | void;

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly handler: RouteHandler;
}

export type RouteMatch =
  | { readonly kind: 'found'; readonly handler: RouteHandler; readonly params: RouteParams }
  | { readonly kind: 'wrong-method' }
  | { readonly kind: 'not-found' };

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export class Router {
  // find-my-way refuses path parameters over 100 characters by default (404); channel names (200)
  // and push interest names (164) are longer, and handlers check their own limits.
  readonly #router = FindMyWay({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 1_000 });

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      // The typed handler travels in find-my-way's per-route store.
      this.#router.on(route.method, route.path, () => undefined, { handler: route.handler });
    }
  }

  match(method: string, url: string): RouteMatch {
    const queryStart = url.indexOf('?');
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    const found = this.#router.find(method as 'GET', path);
    if (found !== null) {
      const store = found.store as { handler: RouteHandler };
      // find-my-way makes a fresh params object per lookup holding the route's parameters; a value
      // is undefined only for optional parameters (`:name?`), which no route here declares.
      return { kind: 'found', handler: store.handler, params: found.params as RouteParams };
    }
    const elsewhere = METHODS.some((other) => other !== method && this.#router.find(other, path) !== null);
    return elsewhere ? { kind: 'wrong-method' } : { kind: 'not-found' };
  }
}

/**
 * Runs a matched handler; a handler that throws or rejects goes to `fail` (which answers 500, or
 * destroys the response once headers are out), so it never takes the server down.
 */
export function runRoute(
  match: Extract<RouteMatch, { kind: 'found' }>,
  request: IncomingMessage,
  response: ServerResponse,
  fail: (error: unknown) => void,
): void {
  try {
    const result = match.handler(request, response, match.params);
    if (result !== undefined) result.catch(fail);
  } catch (error) {
    fail(error);
  }
}
