/**
 * Every push notification route, at the paths the Beams SDKs call relative to their endpoint
 * (`endpoint` in the server SDKs, `endpointOverride` in the web SDK and its service worker). A
 * queue or database that cannot take the request answers 503 with Retry-After, not 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RETRY_AFTER_SECONDS } from '../cluster/unavailable.js';
import type { Route, RouteParams } from '../http/router.js';
import { addInterest, deleteDevice, getDevice, getInterests, registerDevice, removeInterest, setInterests, setMetadata, setUser, vapidPublicKey } from './device-routes.js';
import { publish, publishStatus } from './publish-routes.js';
import type { PushContext } from './push-context.js';
import { PushErrors } from './push-errors.js';
import { sendPushError } from './push-http.js';
import { PushQueueFullError } from './push-queue.js';
import { report } from './reporting-routes.js';
import { deleteUser } from './user-routes.js';

type PushHandler = (context: PushContext, request: IncomingMessage, response: ServerResponse, params: RouteParams) => Promise<void>;

/** Whether an error means "the database is away" (answered 503) rather than a bug (500). */
export type IsUnavailable = (error: unknown) => boolean;

function route(context: PushContext, isUnavailable: IsUnavailable, method: Route['method'], path: string, handler: PushHandler): Route {
  return {
    method,
    path,
    handler: async (request, response, params) => {
      try {
        await handler(context, request, response, params);
      } catch (error) {
        const unavailable = error instanceof PushQueueFullError ? PushErrors.queueUnavailable : isUnavailable(error) ? PushErrors.storageUnavailable : undefined;
        if (unavailable === undefined || response.headersSent) throw error;
        context.logger.warn({ err: error, method, path }, 'push request refused: a dependency is unavailable');
        sendPushError(request, response, unavailable, undefined, { 'retry-after': String(RETRY_AFTER_SECONDS) });
      }
    },
  };
}

const PUBLISH = '/publish_api/v1/instances/:instanceId';
const DEVICE = '/device_api/v1/instances/:instanceId';
const WEB_DEVICE = `${DEVICE}/devices/web/:deviceId`;

export function pushRoutes(context: PushContext, isUnavailable: IsUnavailable): Route[] {
  const at = (method: Route['method'], path: string, handler: PushHandler): Route => route(context, isUnavailable, method, path, handler);
  return [
    at('POST', `${PUBLISH}/publishes/interests`, (c, q, s, p) => publish(c, 'interests', q, s, p)),
    at('POST', `${PUBLISH}/publishes/users`, (c, q, s, p) => publish(c, 'users', q, s, p)),
    at('GET', `${PUBLISH}/publishes/:publishId`, publishStatus),
    at('DELETE', '/user_api/v1/instances/:instanceId/users/:userId', deleteUser),
    at('DELETE', '/customer_api/v1/instances/:instanceId/users/:userId', deleteUser),
    at('GET', `${DEVICE}/web-vapid-public-key`, vapidPublicKey),
    at('POST', `${DEVICE}/devices/web`, registerDevice),
    at('GET', WEB_DEVICE, getDevice),
    at('DELETE', WEB_DEVICE, deleteDevice),
    at('PUT', `${WEB_DEVICE}/user`, setUser),
    at('PUT', `${WEB_DEVICE}/metadata`, setMetadata),
    at('GET', `${WEB_DEVICE}/interests`, getInterests),
    at('PUT', `${WEB_DEVICE}/interests`, setInterests),
    at('POST', `${WEB_DEVICE}/interests/:interest`, addInterest),
    at('DELETE', `${WEB_DEVICE}/interests/:interest`, removeInterest),
    at('POST', '/reporting_api/v2/instances/:instanceId/events', report),
  ];
}
