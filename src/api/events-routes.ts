/** `POST /apps/{id}/events` and `POST /apps/{id}/batch_events` (protocol §6.3). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../apps/app-store.js';
import type { Publication } from '../cluster/broker.js';
import { ClusterUnavailableError, orUnavailable, RETRY_AFTER_SECONDS } from '../cluster/unavailable.js';
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
  let messages = 0;
  for (const event of events) messages += event.channels.length;
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

/** Every channel of every event, in request order, as publications. */
function publicationsOf(app: App, events: readonly EventInput[]): Publication[] {
  const publications: Publication[] = [];
  for (const event of events) {
    for (const channel of event.channels) {
      publications.push({ appId: app.id, channel, event: event.name, data: event.data, exceptSocketId: event.socketId });
    }
  }
  return publications;
}

/**
 * Publishes every event of the request; false when it answered 503 instead. Cache channels keep
 * each event first (so a subscriber that joins meanwhile gets it replayed or live, never an older
 * one after a newer one). Then the bus takes all publications in one round trip, and only then
 * are they delivered here (see Engine.publishConfirmed): a 503 delivered nothing on this node, so
 * the publisher's retry delivers once here; a 200 means the bus took them for every node.
 */
async function published(context: ApiContext, request: IncomingMessage, response: ServerResponse, app: App, events: readonly EventInput[]): Promise<boolean> {
  try {
    await publishEvents(context, app, events);
    return true;
  } catch (error) {
    if (!(error instanceof ClusterUnavailableError)) throw error;
    context.logger.warn({ err: error, app: app.id }, 'publish refused: the cluster bus is unavailable');
    sendError(request, response, ApiErrors.busUnavailable, undefined, { 'retry-after': String(RETRY_AFTER_SECONDS) });
    return false;
  }
}

function isCacheChannel(channel: string): boolean {
  return channelType(channel).cache;
}

/**
 * Publishes checked events as the HTTP API does (cache first, then the bus, then this node; see
 * `published`); rejects with a ClusterUnavailableError when the bus or the cache did not take
 * them. The dashboard's event creator publishes through it too.
 */
export async function publishEvents(context: Pick<ApiContext, 'engine' | 'state'>, app: App, events: readonly EventInput[]): Promise<void> {
  for (const event of events) {
    // Checked before filtering: most events name no cache channel, and then nothing is allocated.
    if (!event.channels.some(isCacheChannel)) continue;
    const writes = event.channels.filter(isCacheChannel).map((channel) => context.state.cache.set(app.id, channel, event.name, event.data, app.cacheTtl * 1000));
    await orUnavailable(Promise.all(writes), 'the cache did not take the event');
  }
  const publications = publicationsOf(app, events);
  await context.engine.publishConfirmed(publications);
  context.engine.counters.app(app.id).apiMessages += publications.length;
}

/**
 * The `info` attributes asked for. The events are already delivered, so a store that does not
 * answer leaves them out (logged) rather than have the publisher retry and deliver twice.
 */
async function infoAfterPublish<T>(context: ApiContext, app: App, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    context.logger.warn({ err: error, app: app.id }, 'channel info after a publish failed; answered without it');
    return undefined;
  }
}

export const triggerEvent: SignedHandler = async (context, request, response, { app, body }) => {
  const event = checkedBody(request, response, body, (parsed) => checkEvent(app, parsed, 'single'));
  if (event === undefined || !withinRate(context, request, response, app, [event])) return;
  if (!(await published(context, request, response, app, [event]))) return;
  if (event.info.length === 0) return sendJson(request, response, 200, {});
  const channels = await infoAfterPublish(context, app, () => channelsInfo(context.state, app, event.channels, event.info));
  sendJson(request, response, 200, channels === undefined ? {} : { channels });
};

export const triggerBatch: SignedHandler = async (context, request, response, { app, body }) => {
  const events = checkedBody(request, response, body, (parsed) => checkBatch(app, parsed));
  if (events === undefined || !withinRate(context, request, response, app, events)) return;
  if (!(await published(context, request, response, app, events))) return;
  if (events.every((event) => event.info.length === 0)) return sendJson(request, response, 200, {});
  const batch = await infoAfterPublish(context, app, () =>
    Promise.all(
      events.map(async (event) => {
        if (event.info.length === 0) return {};
        const info = await channelsInfo(context.state, app, event.channels, event.info);
        return info[event.channels[0] ?? ''] ?? {};
      }),
    ),
  );
  sendJson(request, response, 200, batch === undefined ? {} : { batch });
};
