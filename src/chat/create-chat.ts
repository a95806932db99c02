/**
 * Builds chat for the server: its service and its routes (backend and client). The routes are
 * always there and answer 404 SB_CHAT_DISABLED for an app without `chat`; the storage is opened
 * by the first request of an app with chat on (or at boot, see storage/features.ts).
 */
import type { ApiContext } from '../api/api-context.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import type { WebhookSink } from '../core/webhook-sink.js';
import type { Route } from '../http/router.js';
import type { LazyStorage } from '../storage/lazy-storage.js';
import { chatBackendRoutes } from './backend-routes.js';
import { ChatRealtime, type ChatHooks } from './chat-realtime.js';
import { ChatService } from './chat-service.js';
import { chatClientRoutes } from './client-routes.js';

export interface ChatParts {
  readonly api: ApiContext;
  readonly state: ClusterState;
  readonly webhooks: WebhookSink;
  readonly storage: LazyStorage;
  readonly hooks: ChatHooks;
}

export function createChat(parts: ChatParts): { readonly service: ChatService; readonly routes: Route[] } {
  const realtime = new ChatRealtime({
    engine: parts.api.engine,
    channels: parts.state.channels,
    webhooks: parts.webhooks,
    hooks: parts.hooks,
    logger: parts.api.logger,
  });
  const service = new ChatService({ storage: parts.storage, realtime, now: () => parts.api.now() });
  return { service, routes: [...chatBackendRoutes(parts.api, service), ...chatClientRoutes(parts.api, service)] };
}
