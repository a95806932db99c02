/**
 * Brings what shared state holds as this node's back in line with its live connections, after
 * this node had reason to doubt it (a change failed, the store lost its entries, or other nodes
 * presumed it dead): entries no live connection backs are retired, and live ones the state lacks
 * are re-asserted, each through the same operations a connection uses, so the others hear of
 * every change once (member_removed / member_added, watchlists, subscription counts, webhooks).
 *
 * In-flight work is left alone: a connection that is closing releases its own entries, and one
 * whose message waits on cluster state (a subscribe, unsubscribe or sign-in) or that is being
 * admitted is judged on a later pass. Every check is made synchronously right before the change
 * it decides, so no message of the connection can start between the two; a change the connection
 * makes afterwards is issued after this one.
 */
import type { App, AppStore } from '../apps/app-store.js';
import { encodeOwned, type NodeMembership, type OwnedEntry } from '../cluster/ownership.js';
import type { Connection } from './connection.js';
import type { EngineContext } from './engine-context.js';
import { leaveState, publishMemberAdded, publishWatchlist, signOutState } from './state-changes.js';
import { hasWebhooks } from './webhook-sink.js';

/** What retiring and re-asserting entries use: the operations of a connection, and their reports. */
export type ReconcileServices = Pick<
  EngineContext,
  'settings' | 'counters' | 'state' | 'subscriptionCounts' | 'webhooks' | 'tap' | 'logger' | 'publish'
>;

/** What reconciling reads of a live connection. */
export type LiveConnection = Pick<Connection, 'app' | 'socketId' | 'subscriptions' | 'user' | 'closing' | 'busy'>;

export interface LiveConnections {
  /** This node's connections. */
  all(): Iterable<LiveConnection>;
  get(socketId: string): LiveConnection | undefined;
  /** Socket ids being admitted: registered in cluster state, not yet connections. */
  admitting(socketId: string): boolean;
}

export interface ReconcileOptions {
  readonly services: ReconcileServices;
  readonly apps: AppStore;
  readonly membership: NodeMembership;
  readonly live: LiveConnections;
}

/** What one pass changed, for the log. */
export interface ReconcileOutcome {
  readonly retired: number;
  readonly reasserted: number;
}

/** One pass. Rejects if the state cannot be read or a change fails; the caller retries. */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileOutcome> {
  const stored = await options.membership.ownEntries();
  const apps = appLookup(options.apps);
  let retired = 0;
  for (const entry of stored) {
    const app = await apps(entry.appId);
    if (app === undefined || backed(options.live, entry)) continue;
    await retire(options.services, app, entry);
    retired += 1;
  }
  const reasserted = await reassert(options.services, options.live, new Set(stored.map(encodeOwned)));
  await options.membership.reconciled();
  return { retired, reasserted };
}

/** True when a live connection holds the entry, or in-flight work of its own will settle it. */
function backed(live: LiveConnections, entry: OwnedEntry): boolean {
  const connection = live.get(entry.socketId);
  if (connection === undefined) return live.admitting(entry.socketId);
  if (connection.closing || connection.busy) return true;
  switch (entry.kind) {
    case 'subscription':
      return connection.subscriptions.has(entry.channel);
    case 'user':
      return connection.user?.id === entry.userId;
    case 'connection':
      return true;
  }
}

/** Removes one entry through the normal operations, reporting what that changes to the others. */
export async function retire(services: ReconcileServices, app: App, entry: OwnedEntry): Promise<void> {
  switch (entry.kind) {
    case 'subscription':
      await leaveState(services, app, entry.channel, entry.socketId);
      break;
    case 'user':
      await signOutState(services, app, entry.userId, entry.socketId);
      break;
    case 'connection':
      await services.state.connections.remove(app.id, entry.socketId);
      break;
  }
}

/** Adds what the live connections hold and the state lacks; returns how many entries. */
async function reassert(services: ReconcileServices, live: LiveConnections, stored: ReadonlySet<string>): Promise<number> {
  let count = 0;
  const has = (entry: OwnedEntry): boolean => stored.has(encodeOwned(entry));
  for (const connection of [...live.all()]) {
    const { app, socketId } = connection;
    if (!connection.closing && !has({ kind: 'connection', appId: app.id, socketId })) {
      // Never refused: the connection was admitted under the quota already.
      await services.state.connections.add(app.id, socketId, undefined);
      count += 1;
    }
    for (const subscription of [...connection.subscriptions.values()]) {
      const { channel, member } = subscription;
      if (has({ kind: 'subscription', appId: app.id, channel, socketId })) continue;
      if (connection.closing || connection.subscriptions.get(channel) !== subscription) continue;
      const webhooks = hasWebhooks(app);
      const result = await services.state.channels.join({
        appId: app.id,
        channel,
        socketId,
        member,
        transitionDelayMs: webhooks ? services.settings.transitionDelayMs : undefined,
      });
      count += 1;
      if (!result.ok) continue;
      if (result.memberAdded && member !== undefined) publishMemberAdded(services, app, channel, member, socketId);
      if (member === undefined) services.subscriptionCounts.changed(app, channel, result.subscriptionCount);
      if (webhooks) {
        if (result.occupied) services.webhooks.emit(app, { name: 'channel_occupied', channel });
        if (result.memberAddedReported && member !== undefined) {
          services.webhooks.emit(app, { name: 'member_added', channel, user_id: String(member.userId) });
        }
      }
    }
    const user = connection.user;
    if (user === undefined || connection.closing || has({ kind: 'user', appId: app.id, userId: user.id, socketId })) continue;
    count += 1;
    if (await services.state.users.add(app.id, user.id, socketId)) publishWatchlist(services, app, user.id, 'online');
  }
  return count;
}

/** `AppStore.findById`, each app looked up once per pass. */
export function appLookup(apps: AppStore): (id: string) => Promise<App | undefined> {
  const cache = new Map<string, App | undefined>();
  return async (id) => {
    if (!cache.has(id)) cache.set(id, await apps.findById(id));
    return cache.get(id);
  };
}
