/** `POST /apps/{id}/events` and `POST /apps/{id}/batch_events` (protocol §6.3). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../apps/app-store.js';
import { sendError, sendJson } from '../http/respond.js';
import { channelType } from '../protocol/channels.js';
import { ApiErrors } from '../protocol/errors.js';
import { tryParseJson, type JsonValue } from '../protocol/json.js';
import type { ApiContext } from './api-context.js';
import type { SignedHandler } from './api-routes.js';
import { channelsInfo } from './channel-info.js';
import { checkBatch, checkEvent, type Checked, type EventInput } from './event-input.js';

/** Parses and checks the body; answers the error itself and returns undefined when invalid. */
function checkedBody<T>(
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
  check: (body: JsonValue) => Checked<T>,
): T | undefined {
  const parsed = body.length === 0 ? undefined : tryParseJson(body.toString('utf8'));
  if (parsed === undefined) {
    sendError(request, response, ApiErrors.invalidJson);
    return undefined;
  }
  const checked = check(parsed);
  if (!checked.ok) {
    sendError(request, response, checked.error, checked.detail);
    return undefined;
  }
  return checked.value;
}

/**
 * Refuses the whole request with 429 when it does not fit the app's publish rate; true when it
 * may proceed.
 */
function withinRate(context: ApiContext, request: IncomingMessage, response: ServerResponse, app: App, events: readonly EventInput[]): boolean {
  const messages = events.reduce((sum, event) => sum + event.channels.length, 0);
  const decision = context.limiter.take(app, messages);
  if (decision.ok) return true;
  sendError(
    request,
    response,
    ApiErrors.rateLimited,
    `Too many requests: over ${String(app.apiEventsPerSecond)} messages per second; retry in ${decision.retryAfterSeconds} s`,
    { 'retry-after': String(decision.retryAfterSeconds) },
  );
  return false;
}

/**
 * Publishes to every channel. Cache channels keep the event first (so a subscriber that joins
 * meanwhile gets it replayed or live, never an older one after a newer one).
 */
async function publish(context: ApiContext, app: App, event: EventInput): Promise<void> {
  const cached = event.channels.filter((channel) => channelType(channel).cache);
  if (cached.length > 0) {
    await Promise.all(cached.map((channel) => context.state.cache.set(app.id, channel, event.name, event.data, app.cacheTtl * 1000)));
  }
  context.engine.counters.app(app.id).apiMessages += event.channels.length;
  for (const channel of event.channels) {
    context.engine.publish({ appId: app.id, channel, event: event.name, data: event.data, exceptSocketId: event.socketId });
  }
}

export const triggerEvent: SignedHandler = async (context, request, response, { app, body }) => {
  const event = checkedBody(request, response, body, (parsed) => checkEvent(app, parsed, 'single'));
  if (event === undefined || !withinRate(context, request, response, app, [event])) return;
  await publish(context, app, event);
  if (event.info.length === 0) return sendJson(request, response, 200, {});
  sendJson(request, response, 200, { channels: await channelsInfo(context.state, app, event.channels, event.info) });
};

export const triggerBatch: SignedHandler = async (context, request, response, { app, body }) => {
  const events = checkedBody(request, response, body, (parsed) => checkBatch(app, parsed));
  if (events === undefined || !withinRate(context, request, response, app, events)) return;
  for (const event of events) await publish(context, app, event);
  if (events.every((event) => event.info.length === 0)) return sendJson(request, response, 200, {});
  const batch = await Promise.all(
    events.map(async (event) => {
      if (event.info.length === 0) return {};
      const info = await channelsInfo(context.state, app, event.channels, event.info);
      return info[event.channels[0] ?? ''] ?? {};
    }),
  );
  sendJson(request, response, 200, { batch });
};
