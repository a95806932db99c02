/**
 * The engine: this process's realtime core. Transports hand it new clients; the HTTP API hands it
 * publications; the broker hands it traffic from other nodes. It admits connections (app, quota),
 * keeps them alive (server pings, 4201), and drains them on shutdown (4200).
 */
import { AppStoreUnavailableError, type App, type AppStore } from '../apps/app-store.js';
import { z } from 'zod';
import type { Broker, BrokerHandlers, Publication, RemotePublication } from '../cluster/broker.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import { controlKind } from '../cluster/control-kind.js';
import { withFrame } from '../cluster/publication-frame.js';
import { ClusterUnavailableError } from '../cluster/unavailable.js';
import { userChannel } from '../protocol/channels.js';
import { encodeError } from '../protocol/codec.js';
import { CloseReasons, type CloseReason } from '../protocol/errors.js';
import { Frame } from '../protocol/frame.js';
import { newSocketId } from '../protocol/socket-id.js';
import type { Transport } from './transport.js';
import { ChannelRoutes } from './channel-routes.js';
import { logConnectionRefused } from './client-log.js';
import { ClusterNodes } from './cluster-nodes.js';
import { ClusterUpkeep } from './cluster-upkeep.js';
import { Connection } from './connection.js';
import { connectionServices, type ConnectionServices } from './connection-services.js';
import { CoreCounters } from './core-counters.js';
import { tapApiMessages } from './debug-entries.js';
import { DebugTap } from './debug-tap.js';
import type { EngineContext, EngineSettings } from './engine-context.js';
import { Hub } from './hub.js';
import { originAllowed } from './origins.js';
import { SubscriptionCounts } from './subscription-counts.js';
import type { Logger } from '../shared/logger.js';
import { Transitions } from './transitions.js';
import { watchChanges } from './watched-state.js';
import type { WebhookSink } from './webhook-sink.js';

export interface EngineOptions {
  readonly apps: AppStore;
  /** Built with handlers that forward to this engine's onPublication; the engine handles its control kinds. */
  readonly broker: Broker;
  readonly state: ClusterState;
  readonly webhooks: WebhookSink;
  readonly logger: Logger;
  readonly settings: EngineSettings;
  /** Where traffic is counted for metrics; a private set when absent. */
  readonly counters?: CoreCounters;
  /** The debug console's tap; a private one nobody watches when absent. */
  readonly tap?: DebugTap;
  readonly now?: () => number;
}

/** What a transport knows about a client asking to connect. */
export interface ConnectRequest {
  /** The app key from the path; undefined when the path was not `/app/{key}`. */
  readonly key: string | undefined;
  /** The `protocol` query parameter, or null when absent. */
  readonly protocol: string | null;
  /** The request's Origin header, for the per-app origin allow-list. */
  readonly origin?: string | undefined;
}

/** Close every connection of this user on the receiving node (`terminateUser`). */
const TERMINATE_USER = controlKind('terminate-user', z.object({ appId: z.string(), userId: z.string() }));

const LOWEST_PROTOCOL = 4;
const HIGHEST_PROTOCOL = 7;

export class Engine implements BrokerHandlers {
  readonly hub = new Hub();
  readonly counters: CoreCounters;
  readonly tap: DebugTap;
  readonly #options: EngineOptions;
  readonly #connections = new Map<string, Connection>();
  /** Socket ids registered (or being registered) in cluster state and not yet in #connections. */
  readonly #admitting = new Set<string>();
  readonly #context: EngineContext;
  /** The slices of #context every connection and its handlers share (built once). */
  readonly #connectionServices: ConnectionServices;
  #draining = false;
  #livenessTimer: NodeJS.Timeout | undefined;
  readonly #upkeep: ClusterUpkeep | undefined;
  readonly #nodes: ClusterNodes | undefined;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.counters = options.counters ?? new CoreCounters();
    const now = options.now ?? Date.now;
    this.tap = options.tap ?? new DebugTap('local', now);
    const logger = options.logger;
    const routes = new ChannelRoutes(options.broker, (error, appId, channel) =>
      logger.warn({ err: error, app: appId, channel }, 'broker unsubscribe failed'),
    );
    // A failed change leaves the shared state in doubt: the upkeep reconciles it.
    const state = watchChanges(options.state, () => this.#upkeep?.doubt());
    this.#context = {
      settings: options.settings,
      hub: this.hub,
      routes,
      state,
      transitions: new Transitions({
        channels: options.state.channels,
        apps: options.apps,
        webhooks: options.webhooks,
        logger,
        now,
        delayMs: options.settings.transitionDelayMs,
      }),
      subscriptionCounts: new SubscriptionCounts(options.settings.subscriptionCountThrottle, options.webhooks, (publication) =>
        this.publish(publication),
      ),
      webhooks: options.webhooks,
      counters: this.counters,
      tap: this.tap,
      logger,
      now,
      publish: (publication) => this.publish(publication),
      forget: (connection) => this.#connections.delete(connection.socketId),
    };
    this.#connectionServices = connectionServices(this.#context);
    const membership = options.state.membership;
    this.#upkeep =
      membership === undefined
        ? undefined
        : new ClusterUpkeep({
            services: this.#context,
            apps: options.apps,
            membership,
            connections: () => this.#connections.values(),
            connection: (socketId) => this.#connections.get(socketId),
            admitting: (socketId) => this.#admitting.has(socketId),
            reapIntervalMs: options.settings.reapIntervalMs,
          });
    // A node seen leaving fails the asks waiting for it at once, not at their deadline.
    const control = options.broker.control;
    this.#nodes =
      membership === undefined ? undefined : new ClusterNodes(membership, logger, options.settings.reapIntervalMs, (node) => control.nodeGone(node));
    control.handle(TERMINATE_USER, ({ appId, userId }) => this.#terminateLocalUser(appId, userId));
  }

  /** Starts the liveness checks (server pings and 4201 closes). */
  start(): void {
    this.#livenessTimer = setInterval(() => this.#checkLiveness(), this.#options.settings.sweepIntervalMs);
    this.#context.transitions.start();
    this.#upkeep?.start();
    this.#nodes?.start();
    this.#livenessTimer.unref();
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Nodes of the cluster alive as this node last saw them, itself included (1 without shared state). */
  get clusterNodes(): number {
    return this.#nodes?.count ?? 1;
  }

  get draining(): boolean {
    return this.#draining;
  }

  connection(socketId: string): Connection | undefined {
    return this.#connections.get(socketId);
  }

  /** Every open connection of this process (read at metrics scrape time). */
  connections(): IterableIterator<Connection> {
    return this.#connections.values();
  }

  // ---- admission -----------------------------------------------------------------------------

  /** Admits a client on a fresh transport, or tells it why not (pusher:error, then close). */
  async accept(transport: Transport, request: ConnectRequest): Promise<void> {
    // While draining, nothing is looked up: the bus and the state may already be closing.
    if (this.draining) return this.#reject(request.key, transport, CloseReasons.serverShutdown);
    const refusal = checkRequest(request);
    if (refusal !== undefined) return this.#reject(request.key, transport, refusal);
    let app: App | undefined;
    try {
      app = await this.#options.apps.findByKey(request.key ?? '');
    } catch (error) {
      // The app store cannot tell (a 41xx close: pusher-js retries, where 4001 would make it give up).
      if (error instanceof AppStoreUnavailableError) {
        this.#options.logger.warn({ err: error }, 'connection refused: the app store is unavailable');
        return this.#reject(request.key, transport, CloseReasons.appStoreUnavailable);
      }
      this.#options.logger.error({ err: error }, 'app lookup failed');
      return this.#reject(request.key, transport, CloseReasons.clusterUnavailable);
    }
    if (app === undefined) {
      return this.#reject(request.key, transport, { ...CloseReasons.appNotFound, message: `App key ${request.key ?? ''} does not exist` });
    }
    if (!app.enabled) return this.#reject(request.key, transport, CloseReasons.appDisabled);
    if (!originAllowed(app, request.origin)) {
      const message = `Origin ${request.origin ?? ''} is not allowed for this app`;
      return this.#reject(request.key, transport, { ...CloseReasons.originNotAllowed, message });
    }

    let socketId = newSocketId();
    while (this.#connections.has(socketId) || this.#admitting.has(socketId)) socketId = newSocketId();
    this.#admitting.add(socketId);
    try {
      await this.#admit(app, transport, socketId, request.origin);
    } finally {
      this.#admitting.delete(socketId);
    }
  }

  /** Registers the connection under the app's quota; the socket id is in #admitting meanwhile. */
  async #admit(app: App, transport: Transport, socketId: string, origin: string | undefined): Promise<void> {
    const { connections } = this.#context.state;
    let admitted: boolean;
    try {
      const { id, maxConnections } = app;
      admitted = await this.counters.timeStateOperation('connections.add', () => connections.add(id, socketId, maxConnections));
    } catch (error) {
      // The store is down or hung (its calls are bounded in time): 4100 has the client retry
      // after a back-off, where 4200 would have it reconnect at once, in a tight loop.
      this.#options.logger.warn({ err: error, app: app.id }, 'connection registration failed');
      return this.#reject(app.key, transport, CloseReasons.clusterUnavailable);
    }
    if (!admitted) return this.#reject(app.key, transport, CloseReasons.overConnectionQuota);
    // The app may have been changed while the slot was taken; a cached answer (or, when the store
    // cannot tell, the app as looked up) decides. No await between this and the map insert, so
    // any later change finds the connection (applyAppChange).
    const current = await this.#options.apps.findById(app.id).catch(() => app);
    const refusal = this.#draining
      ? CloseReasons.serverShutdown
      : current === undefined
        ? CloseReasons.appDeleted
        : current.enabled
          ? undefined
          : CloseReasons.appDisabled;
    if (refusal !== undefined || current === undefined) {
      await connections.remove(app.id, socketId);
      return this.#reject(app.key, transport, refusal ?? CloseReasons.appDeleted);
    }
    const connection = new Connection(this.#connectionServices, current, transport, socketId, origin);
    this.#connections.set(socketId, connection);
    connection.start();
  }

  /** Refuses a client that never became a Connection (logged at debug). */
  #reject(key: string | undefined, transport: Transport, reason: CloseReason): void {
    logConnectionRefused(this.#options.logger, transport, reason, key);
    refuse(transport, reason);
  }

  // ---- publishing ----------------------------------------------------------------------------

  /**
   * The HTTP API's publish: hands the publications to the bus first and delivers them to this
   * node's subscribers only once the bus has taken them all, so that a publisher told to retry
   * (a ClusterUnavailableError) never has a local subscriber receive the event twice. With
   * process-local state there is no bus to wait for.
   */
  async publishConfirmed(publications: readonly Publication[]): Promise<void> {
    // With a bus, the frame is encoded once for this node's sockets and the other nodes.
    const framed = this.#options.state.shared ? publications.map(withFrame) : publications;
    if (this.#options.state.shared) {
      try {
        await this.#options.broker.publishConfirmed(framed);
      } catch (error) {
        this.counters.busPublishFailures += 1;
        throw new ClusterUnavailableError('the bus did not take the publications', error);
      }
    }
    for (const publication of framed) this.#deliver(publication);
    tapApiMessages(this.tap, publications);
  }

  /**
   * Delivers to local subscribers now and sends to the other nodes, at most once: a failed send
   * is logged (client events and server-made events during a bus outage reach this node only).
   */
  publish(original: Publication): void {
    const publication = this.#options.state.shared ? withFrame(original) : original;
    this.#deliver(publication);
    this.#options.broker
      .publish(publication)
      .catch((error: unknown) => {
        this.counters.busPublishFailures += 1;
        this.#options.logger.warn({ err: error, app: publication.appId, channel: publication.channel }, 'broker publish failed');
      });
  }

  /** BrokerHandlers: traffic from another node. */
  onPublication(publication: RemotePublication): void {
    const delivered = this.hub.deliverRemote(publication);
    if (delivered > 0) this.counters.app(publication.appId).deliveries += delivered;
  }

  /** Local delivery, counted once per publication (not per recipient) to keep fan-out cheap. */
  #deliver(publication: Publication): void {
    const delivered = this.hub.deliver(publication);
    if (delivered > 0) this.counters.app(publication.appId).deliveries += delivered;
  }

  /**
   * An app changed (on this node, on another, or in the database): its connections here follow.
   * Deleted: closed with 4001; disabled: closed with 4003; otherwise they go on under the new
   * settings (a rotated secret verifies their next subscriptions). Quotas apply to new
   * connections only.
   */
  applyAppChange(appId: string, app: App | undefined): void {
    for (const connection of this.#connections.values()) {
      if (connection.app.id !== appId) continue;
      if (app === undefined) connection.close(CloseReasons.appDeleted);
      else if (!app.enabled) connection.close(CloseReasons.appDisabled);
      else connection.updateApp(app);
    }
  }

  /** Ids of the apps this node has connections of (the app store refreshes them). */
  *connectedAppIds(): Iterable<string> {
    const seen = new Set<string>();
    for (const connection of this.#connections.values()) {
      if (seen.has(connection.app.id)) continue;
      seen.add(connection.app.id);
      yield connection.app.id;
    }
  }

  /** Closes every connection signed in as the user, on every node. */
  async terminateUser(appId: string, userId: string): Promise<void> {
    this.#terminateLocalUser(appId, userId);
    await this.#options.broker.control.tell(TERMINATE_USER, { appId, userId });
  }

  #terminateLocalUser(appId: string, userId: string): void {
    const subscribers = this.hub.subscribers(appId, userChannel(userId));
    if (subscribers === undefined) return;
    for (const subscriber of [...subscribers]) {
      this.#connections.get(subscriber.socketId)?.close(CloseReasons.userTerminated);
    }
  }

  // ---- liveness and shutdown -----------------------------------------------------------------

  #checkLiveness(): void {
    const now = this.#context.now();
    const { activityTimeoutSeconds, pongTimeoutSeconds } = this.#options.settings;
    const idleMs = activityTimeoutSeconds * 1000;
    const pongMs = pongTimeoutSeconds * 1000;
    for (const connection of this.#connections.values()) {
      const { app } = connection;
      if (app.requireSignin && connection.user === undefined && now - connection.openedAt >= app.signinTimeout * 1000) {
        connection.close(CloseReasons.signinTimeout);
        continue;
      }
      if (connection.pingSentAt !== undefined) {
        if (now - connection.pingSentAt >= pongMs) connection.close(CloseReasons.pongTimeout);
      } else if (now - connection.lastActivityAt >= idleMs) {
        connection.ping(now);
      }
    }
  }

  /**
   * Stops admitting, closes every client with 4200 and waits until each has released its state,
   * then reports pending webhook transitions. Bounded by the caller's deadline.
   */
  async drain(): Promise<void> {
    this.#draining = true;
    if (this.#livenessTimer !== undefined) clearInterval(this.#livenessTimer);
    const connections = [...this.#connections.values()];
    for (const connection of connections) connection.close(CloseReasons.serverShutdown);
    await Promise.all(connections.map((connection) => connection.done));
    this.#context.subscriptionCounts.close();
    await Promise.all([this.#upkeep?.stop(), this.#nodes?.stop()]);
    // State shared with other nodes keeps pending transitions for them to report when due.
    await this.#context.transitions.stop(!this.#options.state.shared);
  }
}

function checkRequest(request: ConnectRequest): CloseReason | undefined {
  if (request.key === undefined || request.key === '') return CloseReasons.pathNotFound;
  // pusher-js always sends protocol=7; a missing one is treated as 7, as the peers do.
  if (request.protocol === null) return undefined;
  if (!/^\d{1,3}$/.test(request.protocol)) return CloseReasons.invalidVersion;
  const version = Number(request.protocol);
  if (version < LOWEST_PROTOCOL || version > HIGHEST_PROTOCOL) return CloseReasons.unsupportedProtocol;
  return undefined;
}

/** Refuses a client that never became a Connection: `pusher:error`, then close. */
function refuse(transport: Transport, reason: CloseReason): void {
  transport.send(new Frame(encodeError(reason.code, reason.message)));
  transport.close(reason.code, reason.message);
}
