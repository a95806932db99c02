/**
 * Builds the dashboard served on the admin listener (called by the composition root): sessions,
 * the page, its API and console streams, and the overview's history. Not built under `--workers`
 * (the primary has no engine; see docs/dashboard.md); the console bus runs on every node, with or
 * without a dashboard, so any node's entries reach a console open elsewhere.
 */
import type { AppManager } from '../../apps/app-manager.js';
import type { AppStore } from '../../apps/app-store.js';
import type { ClusterState } from '../../cluster/cluster-state.js';
import type { DebugTap } from '../../core/debug-tap.js';
import type { Engine } from '../../core/engine.js';
import type { Logger } from '../../shared/logger.js';
import type { Route } from '../../http/router.js';
import type { ConsoleBus } from '../../observe/console-bus.js';
import { nodeStats } from '../../observe/node-stats.js';
import { OverviewHistory } from '../../observe/overview-history.js';
import type { WebhookHealth } from '../../webhooks/webhook-health.js';
import { dashboardRoutes } from './dashboard-routes.js';
import { buildOverview } from './overview.js';
import { sessionRoutes } from './session-routes.js';
import { SessionStore } from './session-store.js';
import { staticRoutes } from './static-routes.js';

export interface DashboardParts {
  readonly nodeId: string;
  readonly token: string | undefined;
  readonly tap: DebugTap;
  readonly apps: AppStore;
  readonly appManager: AppManager;
  readonly engine: Engine;
  readonly state: ClusterState;
  readonly webhookHealth: WebhookHealth;
  readonly queueDepth: () => Promise<number>;
  /** This node's end of the console bus (built by the composition root, on every node). */
  readonly bus: ConsoleBus;
  readonly logger: Logger;
  readonly now: () => number;
}

export interface Dashboard {
  readonly routes: readonly Route[];
  readonly sessions: SessionStore;
  start(): void;
  close(): void;
}

export function createDashboard(parts: DashboardParts): Dashboard {
  const { nodeId, engine, now } = parts;
  const sessions = new SessionStore(now);
  const { bus } = parts;
  const history = new OverviewHistory(() => [nodeStats(nodeId, engine), ...bus.otherNodes().map((status) => status.stats)], now);
  const overview = (): ReturnType<typeof buildOverview> =>
    buildOverview({ ...parts, history, otherNodes: () => bus.otherNodes() });
  return {
    routes: [
      ...staticRoutes(),
      ...sessionRoutes(sessions, parts.token, now),
      ...dashboardRoutes({ apps: parts.apps, engine, state: parts.state, tap: parts.tap, overview, logger: parts.logger, now }),
    ],
    sessions,
    start: () => history.start(),
    close: () => history.stop(),
  };
}
