/**
 * The engine's services, built once by the Engine. Nothing takes the whole of it: a connection and
 * each of its handlers get the slice they use (connection-services.ts), the state changes and the
 * reconciliation theirs (state-changes.ts: LeaveServices, SignOutServices; ReconcileServices).
 */
import type { Publication } from '../cluster/broker.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import type { ChannelRoutes } from './channel-routes.js';
import type { Connection } from './connection.js';
import type { CoreCounters } from './core-counters.js';
import type { DebugTap } from './debug-tap.js';
import type { Hub } from './hub.js';
import type { Logger } from '../shared/logger.js';
import type { SubscriptionCounts } from './subscription-counts.js';
import type { Transitions } from './transitions.js';
import type { WebhookSink } from './webhook-sink.js';

export interface EngineSettings {
  /** Sent to clients in connection_established; the server pings after this much silence. */
  readonly activityTimeoutSeconds: number;
  /** After a server ping, how long a client has to show any sign of life. */
  readonly pongTimeoutSeconds: number;
  /** Debounce of channel_vacated / member_removed webhooks. */
  readonly transitionDelayMs: number;
  /** How often connections are checked for silence, pong timeouts and sign-in deadlines. */
  readonly sweepIntervalMs: number;
  /** With shared state: how often to look for dead nodes to clean up after. */
  readonly reapIntervalMs: number;
  /** subscription_count events on channels above `threshold` subscribers go out once per interval. */
  readonly subscriptionCountThrottle: { readonly threshold: number; readonly intervalMs: number };
}

export interface EngineContext {
  readonly settings: EngineSettings;
  readonly hub: Hub;
  readonly routes: ChannelRoutes;
  readonly state: ClusterState;
  readonly transitions: Transitions;
  readonly subscriptionCounts: SubscriptionCounts;
  readonly webhooks: WebhookSink;
  /** Traffic totals read by the metrics registry. */
  readonly counters: CoreCounters;
  /** The debug console's tap (reports go through debug-entries.ts). */
  readonly tap: DebugTap;
  readonly logger: Logger;
  readonly now: () => number;
  /** Delivers to this node's subscribers and sends to the other nodes. */
  readonly publish: (publication: Publication) => void;
  /** Called once when a connection has released everything. */
  readonly forget: (connection: Connection) => void;
}
