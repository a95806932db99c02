/**
 * Keeps shared cluster state true across failures:
 * - reaping: the entries of nodes whose heartbeat expired are claimed (each dead node by exactly one
 *   surviving node) and removed through the normal operations, so their users' member_removed and
 *   their channels' vacated webhooks happen once, from a survivor;
 * - reconciling: when this node has reason to doubt what the state holds as its own (a change of
 *   its failed, typically while the bus was down; or the store lost its entries, or the other
 *   nodes presumed it dead), it brings them back in line with its live connections (reconcile.ts),
 *   retrying soon until a pass succeeds. Nothing of this runs while there is no doubt.
 */
import type { AppStore } from '../apps/app-store.js';
import type { NodeMembership, OwnedEntry } from '../cluster/ownership.js';
import type { Connection } from './connection.js';
import { FailureLog } from '../shared/failure-log.js';
import { appLookup, reconcile, retire, type LiveConnections, type ReconcileServices } from './reconcile.js';

export interface UpkeepOptions {
  readonly services: ReconcileServices;
  readonly apps: AppStore;
  readonly membership: NodeMembership;
  /** This node's live connections. */
  readonly connections: () => Iterable<Connection>;
  readonly connection: (socketId: string) => Connection | undefined;
  /** Socket ids being admitted: registered in cluster state, not yet connections. */
  readonly admitting: (socketId: string) => boolean;
  readonly reapIntervalMs: number;
}

/** Longest wait before a doubted state is reconciled (again), so it converges soon after the bus returns. */
const RECONCILE_RETRY_MS = 1_000;

export class ClusterUpkeep {
  readonly #options: UpkeepOptions;
  readonly #live: LiveConnections;
  #timer: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  /** Set when the state may not match the live connections; cleared when a pass starts. */
  #doubted = false;
  /**
   * After a reconciliation succeeded, the next waits until then (performance.now()): failures
   * that keep coming without an outage (a change the store refuses) cost one pass per reap
   * interval, not one per second, since a pass touches every entry of the node.
   */
  #calmUntil = 0;
  readonly #failures: FailureLog;

  constructor(options: UpkeepOptions) {
    this.#options = options;
    this.#live = { all: options.connections, get: options.connection, admitting: options.admitting };
    this.#failures = new FailureLog(options.services.logger, 'cluster upkeep');
    options.membership.onLost(() => {
      options.services.logger.warn('cluster state lost this node\'s entries; restoring them');
      this.#doubted = true;
      this.#kick();
    });
  }

  start(): void {
    this.#timer = setInterval(() => this.#kick(), this.#options.reapIntervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#timer = undefined;
    this.#retry = undefined;
    await this.#running;
  }

  /**
   * A change of shared state failed: it may or may not have been applied. Cheap (the hot path
   * calls it on every failure during an outage): it only schedules a reconciliation.
   */
  doubt(): void {
    this.#doubted = true;
    this.#retrySoon();
  }

  #retrySoon(): void {
    if (this.#retry !== undefined || this.#stopped) return;
    const soon = Math.min(RECONCILE_RETRY_MS, this.#options.reapIntervalMs);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#kick();
    }, Math.max(soon, this.#calmUntil - performance.now()));
    this.#retry.unref();
  }

  /** One pass at a time: reconcile if in doubt, then reap. */
  #kick(): void {
    if (this.#stopped) return;
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
      if (this.#doubted) this.#retrySoon();
    });
  }

  /** Reconciling and reaping are independent: one failing does not hold the other back. */
  async #pass(): Promise<void> {
    const { logger } = this.#options.services;
    let failure: unknown;
    if (this.#doubted && performance.now() >= this.#calmUntil) {
      this.#doubted = false;
      try {
        await this.#reconcile();
        this.#calmUntil = performance.now() + this.#options.reapIntervalMs;
      } catch (error) {
        this.#doubted = true;
        failure = error;
      }
    }
    try {
      const orphans = await this.#options.membership.claimOrphans();
      if (orphans.length > 0) {
        logger.warn({ entries: orphans.length }, 'cleaning up after a node that stopped responding');
        await this.#reap(orphans);
      }
    } catch (error) {
      failure ??= error;
    }
    if (failure === undefined) this.#failures.succeeded();
    else this.#failures.failed(failure);
  }

  async #reconcile(): Promise<void> {
    const { services, apps, membership } = this.#options;
    const outcome = await reconcile({ services, apps, membership, live: this.#live });
    if (outcome.retired > 0 || outcome.reasserted > 0) {
      services.logger.warn(outcome, 'reconciled this node\'s cluster state with its live connections');
    }
  }

  async #reap(orphans: readonly OwnedEntry[]): Promise<void> {
    const apps = appLookup(this.#options.apps);
    for (const entry of orphans) {
      const app = await apps(entry.appId);
      if (app !== undefined) await retire(this.#options.services, app, entry);
    }
  }
}
