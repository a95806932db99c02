/**
 * Keeps shared cluster state true across node failures:
 * - reaping: the entries of nodes whose heartbeat expired are claimed (each dead node by exactly one
 *   surviving node) and removed through the normal operations, so their users' member_removed and
 *   their channels' vacated webhooks happen once, from a survivor;
 * - restoring: when this node's own entries were lost (the store restarted empty, or the other
 *   nodes presumed this node dead), it re-asserts every connection, subscription and sign-in it holds.
 */
import type { App, AppStore } from '../apps/app-store.js';
import type { NodeMembership, OwnedEntry } from '../cluster/ownership.js';
import type { Connection } from './connection.js';
import type { EngineContext } from './engine-context.js';
import { FailureLog } from './failure-log.js';
import { leaveState, publishMemberAdded, publishWatchlist, signOutState } from './state-changes.js';
import { hasWebhooks } from './webhook-sink.js';

export interface UpkeepOptions {
  readonly context: EngineContext;
  readonly apps: AppStore;
  readonly membership: NodeMembership;
  /** This node's live connections. */
  readonly connections: () => Iterable<Connection>;
  readonly reapIntervalMs: number;
}

export class ClusterUpkeep {
  readonly #options: UpkeepOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #restoreRequested = false;
  readonly #failures: FailureLog;

  constructor(options: UpkeepOptions) {
    this.#options = options;
    this.#failures = new FailureLog(options.context.logger, 'cluster upkeep');
    options.membership.onLost(() => {
      this.#restoreRequested = true;
      this.#kick();
    });
  }

  start(): void {
    this.#timer = setInterval(() => this.#kick(), this.#options.reapIntervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One pass at a time: restore if asked, then reap. */
  #kick(): void {
    this.#running ??= this.#pass().finally(() => (this.#running = undefined));
  }

  async #pass(): Promise<void> {
    const { logger } = this.#options.context;
    try {
      if (this.#restoreRequested) {
        this.#restoreRequested = false;
        await this.#restore();
      }
      const orphans = await this.#options.membership.claimOrphans();
      if (orphans.length > 0) {
        logger.warn({ entries: orphans.length }, 'cleaning up after a node that stopped responding');
        await this.#reap(orphans);
      }
      this.#failures.succeeded();
    } catch (error) {
      this.#failures.failed(error);
    }
  }

  async #reap(orphans: readonly OwnedEntry[]): Promise<void> {
    const { context, apps } = this.#options;
    const cache = new Map<string, App | undefined>();
    const appOf = async (id: string): Promise<App | undefined> => {
      if (!cache.has(id)) cache.set(id, await apps.findById(id));
      return cache.get(id);
    };
    for (const entry of orphans) {
      const app = await appOf(entry.appId);
      if (app === undefined) continue;
      switch (entry.kind) {
        case 'subscription':
          await leaveState(context, app, entry.channel, entry.socketId);
          break;
        case 'user':
          await signOutState(context, app, entry.userId, entry.socketId);
          break;
        case 'connection':
          await context.state.connections.remove(app.id, entry.socketId);
          break;
      }
    }
  }

  /** Re-asserts this node's entries; reports what others must learn again (members, users). */
  async #restore(): Promise<void> {
    const { context } = this.#options;
    context.logger.warn('cluster state lost this node\'s entries; restoring them');
    for (const connection of this.#options.connections()) {
      if (connection.closing) continue;
      const { app, socketId } = connection;
      await context.state.connections.add(app.id, socketId, undefined);
      for (const subscription of connection.subscriptions.values()) {
        const { channel, member } = subscription;
        const result = await context.state.channels.join({
          appId: app.id,
          channel,
          socketId,
          member,
          transitionDelayMs: hasWebhooks(app) ? context.settings.transitionDelayMs : undefined,
        });
        if (!result.ok) continue;
        if (result.memberAdded && member !== undefined) publishMemberAdded(context, app, channel, member, socketId);
        if (member === undefined) context.subscriptionCounts.changed(app, channel, result.subscriptionCount);
      }
      const user = connection.user;
      if (user !== undefined && (await context.state.users.add(app.id, user.id, socketId))) {
        publishWatchlist(context, app, user.id, 'online');
      }
    }
  }
}
