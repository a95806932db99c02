/**
 * The publish API (Beams' `publish_api/v1`), called by the server SDKs with the secret key:
 * publish to interests (body up to 10 KiB) or to users (up to 200 KiB). The request is checked
 * and one fan-out job queued; the answer (`{publishId}`) does not wait for any device, so a
 * publish to an interest of 100,000 devices returns at once. `GET .../publishes/{publishId}` is
 * Switchboard's own: what became of the publish.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteParams } from '../http/router.js';
import { sendJson } from '../http/respond.js';
import { newPublishId, parsePublish, webMessage, type PublishTarget } from './publish-request.js';
import type { PushContext } from './push-context.js';
import { PushErrors } from './push-errors.js';
import { checkSecret, findInstance, readJson, sendPushError } from './push-http.js';
import type { PublishJob } from './push-jobs.js';

export const MAX_INTERESTS_PUBLISH_BYTES = 10 * 1024;
export const MAX_USERS_PUBLISH_BYTES = 200 * 1024;

export async function publish(context: PushContext, kind: PublishTarget['kind'], request: IncomingMessage, response: ServerResponse, params: RouteParams): Promise<void> {
  const app = await findInstance(context, request, response, params['instanceId'] ?? '');
  if (app === undefined || !checkSecret(app, request, response)) return;
  const body = await readJson(request, response, kind === 'interests' ? MAX_INTERESTS_PUBLISH_BYTES : MAX_USERS_PUBLISH_BYTES, true);
  if (body === undefined) return;
  const parsed = parsePublish(body.value, kind, app.id);
  if (!parsed.ok) return sendPushError(request, response, parsed.error, parsed.detail ?? parsed.error.description);
  const waitSeconds = context.rate.take(app.id);
  if (waitSeconds !== undefined) return sendPushError(request, response, PushErrors.rateLimited, undefined, { 'retry-after': String(waitSeconds) });
  const publishId = newPublishId();
  const now = context.now();
  const { web, target } = parsed.value;
  await context.status.create(app.id, publishId, now, target.kind === 'users' ? target.ids : undefined);
  if (web === undefined) {
    // Only apns / fcm payloads: no device here can receive them.
    await context.status.add(publishId, { fanoutDone: true });
    if (target.kind === 'users') await context.reportUsers(app.id, publishId);
  } else {
    const job: PublishJob = {
      appId: app.id,
      publishId,
      payload: webMessage(web, app.id, publishId),
      urgency: web.urgency,
      ...(web.topic === undefined ? {} : { topic: web.topic }),
      ttlSeconds: web.ttlSeconds,
      expiresAt: now + web.ttlSeconds * 1000,
      ...(target.kind === 'users' ? { toUsers: true } : {}),
    };
    await context.queue.add({ kind: 'fanout', publish: job, target });
  }
  context.counters.publishes += 1;
  context.logger.debug({ app: app.id, publishId, target: kind }, 'push publish queued');
  sendJson(request, response, 200, { publishId });
}

export async function publishStatus(context: PushContext, request: IncomingMessage, response: ServerResponse, params: RouteParams): Promise<void> {
  const app = await findInstance(context, request, response, params['instanceId'] ?? '');
  if (app === undefined || !checkSecret(app, request, response)) return;
  request.resume();
  const status = await context.status.get(app.id, params['publishId'] ?? '');
  if (status === undefined) return sendPushError(request, response, PushErrors.publishNotFound);
  sendJson(request, response, 200, status);
}
