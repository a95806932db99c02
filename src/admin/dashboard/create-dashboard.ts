/**
 * Builds the dashboard served on the admin listener (called by the composition root): sessions,
 * the page, its API and console streams, the console bus that carries console traffic and node
 * status between nodes, and the overview's history. Not built under `--workers` (the primary has
 * no engine; see docs/dashboard.md).
 */
import type { AppManager } from '../../apps/app-manager.js';
import type { AppStore } from '../../apps/app-store.js';
import type { ClusterState } from '../../cluster/cluster-state.js';
import type { DebugTap } from '../../core/debug-tap.js';
import type { Engine } from '../../core/engine.js';
import type { Logger } from '../../core/logger.js';
import type { Route } from '../../http/router.js';
import { ConsoleBus, type ConsoleBody } from '../../observe/console-bus.js';
import { OverviewHistory } from '../../observe/overview-history.js';
import type { WebhookHealth } from '../../webhooks/webhook-health.js';
import { dashboardRoutes } from './dashboard-routes.js';
import { buildOverview, localStats } from './overview.js';
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
  /** Sends a console body to every other node (Broker.publishControl, type 'console'). */
  readonly send: (body: ConsoleBody) => Promise<void>;
  readonly logger: Logger;
  readonly now: () => number;
}

export interface Dashboard {
  readonly routes: readonly Route[];
  readonly sessions: SessionStore;
  /** A 'console' control message's body from another node. */
  onConsoleMessage(body: unknown): void;
  start(): void;
  close(): void;
}

export function createDashboard(parts: DashboardParts): Dashboard {
  const { nodeId, engine, now } = parts;
  const sessions = new SessionStore(now);
  const bus = new ConsoleBus({ tap: parts.tap, send: parts.send, localStats: () => localStats(nodeId, engine), logger: parts.logger, now });
  const history = new OverviewHistory(() => [localStats(nodeId, engine), ...bus.otherNodes().map((status) => status.stats)], now);
  const overview = (): ReturnType<typeof buildOverview> =>
    buildOverview({ ...parts, history, otherNodes: () => bus.otherNodes() });
  return {
    routes: [
      ...staticRoutes(),
      ...sessionRoutes(sessions, parts.token, now),
      ...dashboardRoutes({ apps: parts.apps, engine, state: parts.state, tap: parts.tap, overview, logger: parts.logger, now }),
    ],
    sessions,
    onConsoleMessage: (body) => bus.onMessage(body),
    start: () => {
      bus.start();
      history.start();
    },
    close: () => {
      bus.close();
      history.stop();
    },
  };
}
