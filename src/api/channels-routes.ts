/**
 * Channel queries: `GET /apps/{id}/channels`, `/channels/{name}`, `/channels/{name}/users` (§6.3).
 * They read shared state: when it does not answer within its client's bound, 503 (see api-routes.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../apps/app-store.js';
import type { RouteParams } from '../http/router.js';
import { sendError, sendJson } from '../http/respond.js';
import { channelType, checkChannelName } from '../protocol/channels.js';
import { orUnavailable } from '../cluster/unavailable.js';
import { ApiErrors } from '../protocol/errors.js';
import type { SignedHandler } from './api-routes.js';
import { attributesOf } from './channel-info.js';
import { parseInfo } from './event-input.js';

const CHANNEL_INFO_ATTRIBUTES = ['user_count', 'subscription_count', 'cache'];

/** The `:channel` path parameter if it is a valid name; otherwise answers 400. */
function channelParam(app: App, request: IncomingMessage, response: ServerResponse, params: RouteParams): string | undefined {
  const channel = params['channel'] ?? '';
  if (checkChannelName(channel, app.maxChannelNameLength) === undefined) return channel;
  sendError(request, response, ApiErrors.invalidChannel, `Invalid channel name: ${JSON.stringify(channel)}`);
  return undefined;
}

export const listChannels: SignedHandler = async (context, request, response, { app, query }) => {
  const prefix = query.get('filter_by_prefix') ?? '';
  const info = parseInfo(query.get('info') ?? undefined);
  if (!info.ok) return sendError(request, response, info.error, info.detail);
  if (info.value.includes('user_count') && !prefix.startsWith('presence-')) {
    return sendError(request, response, ApiErrors.invalidInfo, 'info=user_count requires filter_by_prefix=presence-');
  }
  const summaries = await orUnavailable(context.state.channels.list(app.id, prefix), 'listing channels failed');
  // Channel names are user input (`__proto__` is a valid one): own properties, never assignments.
  const channels = Object.fromEntries([...summaries].map(([name, summary]) => [name, attributesOf(name, summary, info.value)]));
  sendJson(request, response, 200, { channels });
};

export const showChannel: SignedHandler = async (context, request, response, { app, query }, params) => {
  const channel = channelParam(app, request, response, params);
  if (channel === undefined) return;
  const info = parseInfo(query.get('info') ?? undefined, CHANNEL_INFO_ATTRIBUTES);
  if (!info.ok) return sendError(request, response, info.error, info.detail);
  const type = channelType(channel);
  if (info.value.includes('user_count') && type.kind !== 'presence') {
    return sendError(request, response, ApiErrors.invalidInfo, 'info=user_count is only valid for presence channels');
  }
  if (info.value.includes('cache') && !type.cache) {
    return sendError(request, response, ApiErrors.invalidInfo, 'info=cache is only valid for cache channels');
  }
  const summary = await orUnavailable(context.state.channels.summary(app.id, channel), 'reading the channel failed');
  const body: Record<string, unknown> = { occupied: summary.subscriptionCount > 0, ...attributesOf(channel, summary, info.value) };
  if (info.value.includes('cache')) {
    const cached = await orUnavailable(context.state.cache.get(app.id, channel), 'reading the cache failed');
    body['cache'] = cached === undefined ? null : { data: cached.data, ttl: Math.ceil(cached.ttlMs / 1000) };
  }
  sendJson(request, response, 200, body);
};

export const listUsers: SignedHandler = async (context, request, response, { app }, params) => {
  const channel = channelParam(app, request, response, params);
  if (channel === undefined) return;
  if (channelType(channel).kind !== 'presence') return sendError(request, response, ApiErrors.notPresenceChannel);
  const members = await orUnavailable(context.state.channels.members(app.id, channel), 'reading the members failed');
  sendJson(request, response, 200, { users: members.map((member) => ({ id: String(member.userId) })) });
};
