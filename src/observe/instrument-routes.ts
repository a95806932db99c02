/**
 * Times HTTP routes once, for metrics and for the debug log: each answered request is reported
 * with its route pattern (never the concrete path, so an app's channel names never become label
 * values), method and status; at debug it is also logged as one line (route, method, status,
 * durationMs, app, remoteAddress), with nothing built while the level is above debug.
 */
import type { Logger } from '../shared/logger.js';
import type { ClientResolver } from '../http/remote-address.js';
import type { Route } from '../http/router.js';

export type RequestObserver = (route: string, method: string, status: number, seconds: number) => void;

export function instrumentRoutes(routes: readonly Route[], observe: RequestObserver, logger?: Logger, resolveClient?: ClientResolver): Route[] {
  return routes.map((route) => ({
    ...route,
    handler: (request, response, params) => {
      const started = performance.now();
      // 'close' is emitted once per response: a plain listener, no `once` wrapper per request.
      response.on('close', () => {
        const elapsedMs = performance.now() - started;
        observe(route.path, route.method, response.statusCode, elapsedMs / 1000);
        if (logger?.isLevelEnabled('debug') !== true) return;
        logger.debug(
          {
            route: route.path,
            method: route.method,
            status: response.statusCode,
            durationMs: Math.round(elapsedMs * 100) / 100,
            app: params['appId'],
            remoteAddress: resolveClient?.(request).address ?? request.socket.remoteAddress,
          },
          'API request',
        );
      });
      return route.handler(request, response, params);
    },
  }));
}
