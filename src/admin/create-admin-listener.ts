/**
 * Builds this process's admin listener (called by the composition root): metrics, readiness, the
 * apps API and the dashboard (admin/dashboard/).
 */
import type { AppManager } from '../apps/app-manager.js';
import type { AppStore } from '../apps/app-store.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import type { Config } from '../config/schema.js';
import type { DebugTap } from '../core/debug-tap.js';
import type { Engine } from '../core/engine.js';
import type { Logger } from '../shared/logger.js';
import type { ConsoleBus } from '../observe/console-bus.js';
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
  readonly consoleBus: ConsoleBus;
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
    bus: parts.consoleBus,
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
