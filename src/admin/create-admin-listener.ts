/**
 * Builds this process's admin listener (called by the composition root): metrics, readiness, the
 * apps API and the dashboard (admin/dashboard/), whose console traffic goes over the broker as
 * `console` control messages.
 */
import type { AppManager } from '../apps/app-manager.js';
import type { AppStore } from '../apps/app-store.js';
import type { Broker } from '../cluster/broker.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import type { Config } from '../config/schema.js';
import type { DebugTap } from '../core/debug-tap.js';
import type { Engine } from '../core/engine.js';
import type { Logger } from '../core/logger.js';
import type { NodeMetrics } from '../observe/node-metrics.js';
import type { Webhooks } from '../webhooks/create-webhooks.js';
import { AdminListener } from './admin-listener.js';
import { metricsRoute, readyRoute } from './admin-routes.js';
import { appsRoutes } from './apps-routes.js';
import { createDashboard, type Dashboard } from './dashboard/create-dashboard.js';

export interface AdminListenerParts {
  readonly nodeId: string;
  readonly engine: Engine;
  readonly state: ClusterState;
  readonly apps: AppStore;
  readonly appManager: AppManager;
  readonly metrics: NodeMetrics;
  readonly webhooks: Webhooks;
  readonly tap: DebugTap;
  readonly broker: Broker;
  readonly logger: Logger;
  readonly now: () => number;
}

export function createAdminListener(config: Config, parts: AdminListenerParts): { listener: AdminListener; dashboard: Dashboard } {
  const dashboard = createDashboard({
    nodeId: parts.nodeId,
    token: config.admin.token,
    tap: parts.tap,
    apps: parts.apps,
    appManager: parts.appManager,
    engine: parts.engine,
    state: parts.state,
    webhookHealth: parts.webhooks.health,
    queueDepth: () => parts.webhooks.queueDepth(),
    send: (body) => parts.broker.publishControl({ v: 1, type: 'console', body }),
    logger: parts.logger,
    now: parts.now,
  });
  const listener = new AdminListener({
    host: config.admin.host,
    port: config.admin.port,
    token: config.admin.token,
    logger: parts.logger,
    sessions: dashboard.sessions,
    // Readiness does not depend on the app store: while the database is down the cache serves.
    routes: [
      metricsRoute(() => parts.metrics.expose()),
      readyRoute(() => !parts.engine.draining),
      ...appsRoutes(parts.appManager),
      ...dashboard.routes,
    ],
  });
  return { listener, dashboard };
}
