/** The admin listener's own routes: the metrics exposition and readiness for orchestrators. */
import type { Route } from '../http/router.js';
import type { Exposition } from '../observe/node-metrics.js';
import { sendAdminJson } from './admin-listener.js';

/** `GET /metrics`: Prometheus text format from `expose` (this process, or every worker summed). */
export function metricsRoute(expose: () => Promise<Exposition>): Route {
  return {
    method: 'GET',
    path: '/metrics',
    handler: async (_request, response) => {
      const { contentType, body } = await expose();
      response.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
      response.end(body);
    },
  };
}

/** `GET /ready`: 200 while serving, 503 while draining (as the client listener's /ready). */
export function readyRoute(isReady: () => boolean): Route {
  return {
    method: 'GET',
    path: '/ready',
    handler: (_request, response) =>
      isReady() ? sendAdminJson(response, 200, { ready: true }) : sendAdminJson(response, 503, { ready: false, reason: 'draining' }),
  };
}
