/**
 * The HTTP API's routes (protocol §6.3). Every handler runs behind `authenticate` (app, body size,
 * signature, enabled), so no handler does any work for an unauthenticated request. A handler whose
 * shared-state call fails (ClusterUnavailableError: the store is down or hung past its client's
 * bound) answers 503 with Retry-After.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClusterUnavailableError, RETRY_AFTER_SECONDS } from '../cluster/unavailable.js';
import { sendError } from '../http/respond.js';
import type { Route, RouteParams } from '../http/router.js';
import { ApiErrors } from '../protocol/errors.js';
import type { ApiContext } from './api-context.js';
import { authenticate, type AuthenticatedRequest } from './authenticate.js';
import { listChannels, listUsers, showChannel } from './channels-routes.js';
import { triggerBatch, triggerEvent } from './events-routes.js';
import { terminateUserConnections } from './users-routes.js';

/** A handler that only ever sees authenticated requests. */
export type SignedHandler = (
  context: ApiContext,
  request: IncomingMessage,
  response: ServerResponse,
  signed: AuthenticatedRequest,
  params: RouteParams,
) => Promise<void> | void;

function signed(context: ApiContext, method: Route['method'], path: string, handler: SignedHandler): Route {
  return {
    method,
    path,
    handler: async (request, response, params) => {
      const authenticated = await authenticate(context, request, response, params['appId'] ?? '');
      if (authenticated === undefined) return;
      try {
        await handler(context, request, response, authenticated, params);
      } catch (error) {
        if (!(error instanceof ClusterUnavailableError) || response.headersSent) throw error;
        context.logger.warn({ err: error, method, path }, 'API request refused: shared state is unavailable');
        sendError(request, response, ApiErrors.stateUnavailable, undefined, { 'retry-after': String(RETRY_AFTER_SECONDS) });
      }
    },
  };
}

export function apiRoutes(context: ApiContext): Route[] {
  return [
    signed(context, 'POST', '/apps/:appId/events', triggerEvent),
    signed(context, 'POST', '/apps/:appId/batch_events', triggerBatch),
    signed(context, 'GET', '/apps/:appId/channels', listChannels),
    signed(context, 'GET', '/apps/:appId/channels/:channel', showChannel),
    signed(context, 'GET', '/apps/:appId/channels/:channel/users', listUsers),
    signed(context, 'POST', '/apps/:appId/users/:userId/terminate_connections', terminateUserConnections),
  ];
}
