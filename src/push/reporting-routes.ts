/**
 * The reporting API (Beams' `reporting_api/v2`): the service worker reports each message it
 * received (`delivery`) and each notification the user opened (`open`). Counted on the publish's
 * status, and sent as Beams' acknowledgement and open webhooks when the device has a user; best
 * effort on the worker's side, so a report for an unknown publish is accepted and ignored.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteParams } from '../http/router.js';
import { sendJson } from '../http/respond.js';
import type { PushContext } from './push-context.js';
import { PushErrors } from './push-errors.js';
import { findInstance, readJson, sendPushError } from './push-http.js';

const MAX_REPORT_BYTES = 4 * 1024;

export async function report(context: PushContext, request: IncomingMessage, response: ServerResponse, params: RouteParams): Promise<void> {
  const app = await findInstance(context, request, response, params['instanceId'] ?? '');
  if (app === undefined) return;
  const body = await readJson(request, response, MAX_REPORT_BYTES, false);
  if (body === undefined) return;
  const input = typeof body.value === 'object' && body.value !== null ? (body.value as Record<string, unknown>) : {};
  const { publishId, event, deviceId } = input;
  if (typeof publishId !== 'string' || typeof deviceId !== 'string' || (event !== 'delivery' && event !== 'open')) {
    return sendPushError(request, response, PushErrors.invalidReport);
  }
  // Only reports of this app's publishes from this app's devices count.
  if ((await context.status.get(app.id, publishId)) !== undefined) {
    const device = await context.store.device(app.id, deviceId);
    if (device !== undefined) {
      await context.status.add(publishId, event === 'delivery' ? { acknowledged: 1 } : { opened: 1 });
      // Beams sends these for authenticated users only: the user is the device's, never the report's.
      if (device.userId !== undefined) {
        const type = event === 'delivery' ? 'v1.UserNotificationAcknowledgement' : 'v1.UserNotificationOpen';
        context.webhooks.emit(app.id, { type, payload: { publish_id: publishId, user_id: device.userId } });
      }
    }
  }
  sendJson(request, response, 200, {});
}
