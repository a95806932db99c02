/**
 * The user API (Beams' `user_api/v1`, also under `customer_api/v1`): the server SDK's
 * deleteUser removes every device of the user, with the secret key.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteParams } from '../http/router.js';
import { sendJson } from '../http/respond.js';
import type { PushContext } from './push-context.js';
import { PushErrors } from './push-errors.js';
import { checkSecret, findInstance, sendPushError } from './push-http.js';
import { isUserId } from './push-names.js';

export async function deleteUser(context: PushContext, request: IncomingMessage, response: ServerResponse, params: RouteParams): Promise<void> {
  const app = await findInstance(context, request, response, params['instanceId'] ?? '');
  if (app === undefined || !checkSecret(app, request, response)) return;
  request.resume();
  const userId = params['userId'] ?? '';
  if (!isUserId(userId)) return sendPushError(request, response, PushErrors.invalidUserId);
  const removed = await context.store.deleteUser(app.id, userId);
  context.logger.debug({ app: app.id, devices: removed }, 'push: user deleted');
  sendJson(request, response, 200, {});
}
