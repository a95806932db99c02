/** `POST /apps/{id}/users/{user_id}/terminate_connections` (protocol §3.10). */
import { sendError, sendJson } from '../http/respond.js';
import { isValidUserId } from '../protocol/channels.js';
import { orUnavailable } from '../cluster/unavailable.js';
import { ApiErrors } from '../protocol/errors.js';
import type { SignedHandler } from './api-routes.js';

export const terminateUserConnections: SignedHandler = async (context, request, response, { app }, params) => {
  const userId = params['userId'] ?? '';
  if (!isValidUserId(userId, app.maxUserIdLength)) {
    return sendError(request, response, ApiErrors.invalidBody, `Invalid user id: ${JSON.stringify(userId)}`);
  }
  await orUnavailable(context.engine.terminateUser(app.id, userId), 'telling the other nodes failed');
  sendJson(request, response, 200, {});
};
