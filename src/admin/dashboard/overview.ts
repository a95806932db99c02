/**
 * The overview the dashboard polls: every app with its connections and occupied channels across
 * the cluster and its recent rates (observe/overview-history.ts), each webhook endpoint's health
 * as this node sees it, and the cluster's nodes with their connections and last status (the
 * console bus's heartbeat). Every read of shared state is bounded by READ_DEADLINE_MS; a figure
 * that did not come in time is null.
 */
import type { AppManager } from '../../apps/app-manager.js';
import type { ClusterState } from '../../cluster/cluster-state.js';
import type { Engine } from '../../core/engine.js';
import type { NodeStatus } from '../../observe/console-bus.js';
import type { AppSample, OverviewHistory } from '../../observe/overview-history.js';
import type { EndpointHealth, WebhookHealth } from '../../webhooks/webhook-health.js';

const READ_DEADLINE_MS = 1_000;
/** Apps listed at most (the apps page lists them all). */
const MAX_APPS = 200;

export interface AppOverview {
  readonly id: string;
  readonly name: string | undefined;
  readonly enabled: boolean;
  readonly connections: number | null;
  readonly channels: number | null;
  readonly history: readonly AppSample[];
}

export interface NodeOverview {
  readonly node: string;
  readonly self: boolean;
  readonly connections: number;
  readonly lastHeartbeat: number;
}

export interface Overview {
  readonly node: string;
  readonly time: number;
  /** True when apps come from an app store (the apps page can write). */
  readonly appsWritable: boolean;
  readonly apps: readonly AppOverview[];
  readonly webhooks: { readonly queueDepth: number | null; readonly endpoints: readonly EndpointHealth[] };
  readonly nodes: readonly NodeOverview[];
}

export interface OverviewParts {
  readonly nodeId: string;
  readonly appManager: AppManager;
  readonly engine: Engine;
  readonly state: ClusterState;
  readonly history: OverviewHistory;
  readonly webhookHealth: WebhookHealth;
  readonly queueDepth: () => Promise<number>;
  readonly otherNodes: () => readonly NodeStatus[];
  readonly now: () => number;
}

function withDeadline<T>(promise: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), READ_DEADLINE_MS)));
  return Promise.race([promise.catch(() => null), late]).finally(() => clearTimeout(timer));
}

export async function buildOverview(parts: OverviewParts): Promise<Overview> {
  const listed = (await withDeadline(parts.appManager.list())) ?? [];
  const apps = await Promise.all(
    listed.slice(0, MAX_APPS).map(async (app): Promise<AppOverview> => {
      const [connections, channels] = await Promise.all([
        withDeadline(parts.state.connections.count(app.id)),
        withDeadline(parts.state.channels.list(app.id, '').then((list) => list.size)),
      ]);
      return { id: app.id, name: app.name, enabled: app.enabled, connections, channels, history: parts.history.history(app.id) };
    }),
  );
  const now = parts.now();
  const nodes: NodeOverview[] = [
    { node: parts.nodeId, self: true, connections: parts.engine.connectionCount, lastHeartbeat: now },
    ...parts.otherNodes().map((status) => ({ node: status.stats.node, self: false, connections: status.stats.connections, lastHeartbeat: status.receivedAt })),
  ];
  return {
    node: parts.nodeId,
    time: now,
    appsWritable: parts.appManager.writable,
    apps,
    webhooks: { queueDepth: await withDeadline(parts.queueDepth()), endpoints: parts.webhookHealth.endpoints() },
    nodes,
  };
}
