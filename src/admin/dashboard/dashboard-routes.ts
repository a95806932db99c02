/**
 * The dashboard's API (behind a session or the bearer token, see admin-access.ts):
 *
 *   GET  /dashboard/api/overview                      200 Overview (apps, webhooks, nodes)
 *   GET  /dashboard/api/apps/{id}/channels            200 {"channels": [ChannelView]}      404 unknown app
 *   POST /dashboard/api/apps/{id}/events              200 {}   body {"channel", "event", "data"}; 400 as the HTTP API, 503 bus down
 *   GET  /dashboard/api/apps/{id}/console?channel=&kinds=&socket=   the debug console (text/event-stream)
 *
 * The event creator publishes as the HTTP API would (same checks, cache channels, the bus, then
 * this node). The console is one Server-Sent Events stream per viewer (console-stream.ts);
 * at most MAX_VIEWERS are open on this node at once (429 beyond).
 */
import type { App, AppStore } from '../../apps/app-store.js';
import { publishEvents } from '../../api/events-routes.js';
import { checkEvent } from '../../api/event-input.js';
import type { ClusterState } from '../../cluster/cluster-state.js';
import { ClusterUnavailableError } from '../../cluster/unavailable.js';
import type { DebugEntryKind, DebugTap } from '../../core/debug-tap.js';
import type { Engine } from '../../core/engine.js';
import type { Logger } from '../../shared/logger.js';
import { channelType } from '../../protocol/channels.js';
import type { JsonValue } from '../../protocol/json.js';
import type { Route } from '../../http/router.js';
import { sendAdminJson } from '../admin-listener.js';
import { ConsoleStream, type ConsoleFilter } from './console-stream.js';
import type { Overview } from './overview.js';
import { readJsonObject } from './session-routes.js';

export const MAX_VIEWERS = 50;
/** Channels listed at most, and presence members per channel. */
const MAX_CHANNELS = 500;
const MAX_MEMBERS = 100;
const MAX_EVENT_BODY_BYTES = 1024 * 1024;

const KINDS: ReadonlySet<string> = new Set<DebugEntryKind>([
  'connection-opened',
  'connection-closed',
  'subscribed',
  'unsubscribed',
  'channel-occupied',
  'channel-vacated',
  'member-added',
  'member-removed',
  'api-message',
  'client-event',
  'webhook',
]);

export interface DashboardRouteParts {
  readonly apps: AppStore;
  readonly engine: Engine;
  readonly state: ClusterState;
  readonly tap: DebugTap;
  readonly overview: () => Promise<Overview>;
  readonly logger: Logger;
  readonly now: () => number;
}

export interface ChannelView {
  readonly name: string;
  readonly subscriptionCount: number;
  readonly userCount: number;
  readonly members?: readonly { readonly userId: string | number; readonly userInfo: JsonValue | undefined }[];
  readonly cached?: { readonly event: string; readonly data: string };
}

function filterOf(url: string): ConsoleFilter {
  const query = new URL(url, 'http://admin').searchParams;
  const text = (name: string): string | undefined => {
    const value = query.get(name)?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const kinds = text('kinds')
    ?.split(',')
    .filter((kind): kind is DebugEntryKind => KINDS.has(kind));
  return { channel: text('channel'), socketId: text('socket'), kinds: kinds === undefined ? undefined : new Set(kinds) };
}

async function channelViews(parts: DashboardRouteParts, app: App): Promise<ChannelView[]> {
  const list = await parts.state.channels.list(app.id, '');
  const names = [...list.keys()].sort().slice(0, MAX_CHANNELS);
  return Promise.all(
    names.map(async (name): Promise<ChannelView> => {
      const summary = list.get(name) ?? { subscriptionCount: 0, userCount: 0 };
      const type = channelType(name);
      const members = type.kind === 'presence' ? (await parts.state.channels.members(app.id, name)).slice(0, MAX_MEMBERS) : undefined;
      const cached = type.cache ? await parts.state.cache.get(app.id, name) : undefined;
      return {
        name,
        subscriptionCount: summary.subscriptionCount,
        userCount: summary.userCount,
        ...(members === undefined ? {} : { members }),
        ...(cached === undefined ? {} : { cached: { event: cached.event, data: cached.data } }),
      };
    }),
  );
}

export function dashboardRoutes(parts: DashboardRouteParts): Route[] {
  let viewers = 0;
  const findApp = async (id: string | undefined): Promise<App | undefined> => (id === undefined ? undefined : parts.apps.findById(id));
  const noApp = (response: Parameters<Route['handler']>[1], id: string | undefined): void =>
    sendAdminJson(response, 404, { error: `app ${id ?? ''} not found`, code: 'app_not_found' });
  return [
    {
      method: 'GET',
      path: '/dashboard/api/overview',
      handler: async (_request, response) => sendAdminJson(response, 200, await parts.overview(), { 'cache-control': 'no-store' }),
    },
    {
      method: 'GET',
      path: '/dashboard/api/apps/:appId/channels',
      handler: async (_request, response, params) => {
        const app = await findApp(params['appId']);
        if (app === undefined) return noApp(response, params['appId']);
        sendAdminJson(response, 200, { channels: await channelViews(parts, app) }, { 'cache-control': 'no-store' });
      },
    },
    {
      method: 'POST',
      path: '/dashboard/api/apps/:appId/events',
      handler: async (request, response, params) => {
        const app = await findApp(params['appId']);
        if (app === undefined) return noApp(response, params['appId']);
        const body = await readJsonObject(request, MAX_EVENT_BODY_BYTES);
        if (body === undefined) return sendAdminJson(response, 400, { error: 'The body must be a JSON object {"channel", "event", "data"}', code: 'invalid_body' });
        const checked = checkEvent(app, { name: body['event'] as JsonValue, channels: [body['channel'] as JsonValue], data: body['data'] as JsonValue }, 'single');
        if (!checked.ok) return sendAdminJson(response, 400, { error: checked.detail, code: checked.error.id });
        try {
          await publishEvents(parts, app, [checked.value]);
        } catch (error) {
          if (!(error instanceof ClusterUnavailableError)) throw error;
          return sendAdminJson(response, 503, { error: 'The cluster bus did not take the event; try again', code: 'bus_unavailable' });
        }
        sendAdminJson(response, 200, {});
      },
    },
    {
      method: 'GET',
      path: '/dashboard/api/apps/:appId/console',
      handler: async (request, response, params) => {
        const app = await findApp(params['appId']);
        if (app === undefined) return noApp(response, params['appId']);
        if (viewers >= MAX_VIEWERS) return sendAdminJson(response, 429, { error: `At most ${MAX_VIEWERS} consoles may be open on this node`, code: 'too_many_viewers' });
        viewers += 1;
        response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
        response.write(`retry: 2000\nevent: ready\ndata: ${JSON.stringify({ appId: app.id })}\n\n`);
        const stream = new ConsoleStream(response, filterOf(request.url ?? '/'), parts.now);
        const unwatch = parts.tap.watch(app.id, stream);
        const timer = setInterval(() => stream.tick(), 1_000);
        response.once('close', () => {
          viewers -= 1;
          clearInterval(timer);
          unwatch();
        });
      },
    },
  ];
}
