/**
 * Times HTTP routes for metrics: each answered request is reported with its route pattern (never
 * the concrete path, so an app's channel names never become label values), method and status.
 */
import type { Route } from '../http/router.js';

export type RequestObserver = (route: string, method: string, status: number, seconds: number) => void;

export function instrumentRoutes(routes: readonly Route[], observe: RequestObserver): Route[] {
  return routes.map((route) => ({
    ...route,
    handler: (request, response, params) => {
      const started = performance.now();
      response.once('close', () => observe(route.path, route.method, response.statusCode, (performance.now() - started) / 1000));
      return route.handler(request, response, params);
    },
  }));
}
