/**
 * The composition root: the one place that turns configuration into concrete implementations
 * and wires them together. Everything else receives its collaborators. The running server and
 * its lifecycle (start, reload, shutdown) are in server.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import type { AdminListener } from './admin/admin-listener.js';
import { createAdminListener } from './admin/create-admin-listener.js';
import type { Dashboard } from './admin/dashboard/create-dashboard.js';
import { apiRoutes } from './api/api-routes.js';
import { PublishLimiter } from './api/publish-limiter.js';
import type { CachedAppStore } from './apps/cached-app-store.js';
import { createApps } from './apps/create-apps.js';
import { APP_CHANGED } from './apps/app-changed.js';
import type { Broker, BrokerHandlers } from './cluster/broker.js';
import type { ClusterState } from './cluster/cluster-state.js';
import { connectCluster, type ClusterConnector } from './cluster/drivers.js';
import type { Config } from './config/schema.js';
import { AddressLimits } from './core/address-limits.js';
import { CoreCounters } from './core/core-counters.js';
import { DebugTap } from './core/debug-tap.js';
import { Engine } from './core/engine.js';
import type { LogOutputStats } from './shared/log-writer.js';
import { createLogger, type Logger } from './shared/logger.js';
import { AcceptGuard } from './http/accept-guard.js';
import { createClientResolver } from './http/remote-address.js';
import type { CertificateReloader } from './http/certificate-reloader.js';
import { healthRoutes, type HttpServerOptions } from './http/http-server.js';
import { createMainListener, readListenerTls } from './http/main-listener.js';
import { Router } from './http/router.js';
import { CONSOLE, ConsoleBus } from './observe/console-bus.js';
import { instrumentRoutes } from './observe/instrument-routes.js';
import { createPush, type Push } from './push/create-push.js';
import { NodeMetrics } from './observe/node-metrics.js';
import { nodeStats } from './observe/node-stats.js';
import { FlushScheduler } from './transports/flush-scheduler.js';
import { HttpEndpoint, type HttpEndpointOptions } from './transports/http/http-endpoint.js';
import { RemoteSessions } from './transports/http/remote-sessions.js';
import { LocalSessionDirectory } from './transports/http/session-directory.js';
import { WebSocketEndpoint } from './transports/websocket-endpoint.js';
import type { ChatHooks } from './chat/chat-realtime.js';
import { createChat } from './chat/create-chat.js';
import { LazyStorage } from './storage/lazy-storage.js';
import { STORAGE_FEATURES } from './storage-features.js';
import { VERSION } from './shared/version.js';
import { createWebhooks, type Webhooks } from './webhooks/create-webhooks.js';

export interface SwitchboardOptions {
  readonly logger?: Logger;
  /** Set when the config had no apps and the development app is served (logged at start). */
  readonly developmentApp?: boolean;
  readonly now?: () => number;
  /**
   * Serve the admin listener from this process (default: `admin.enabled`). Off in `--workers`
   * processes, whose primary serves it for all of them.
   */
  readonly adminListener?: boolean;
  /** The logger's output when it is a LogWriter (the command line's), for the log metrics. */
  readonly logOutput?: LogOutputStats;
  /**
   * Builds the broker and the shared state instead of the configured driver: tests run several
   * nodes in one process on one MemoryBus this way.
   */
  readonly cluster?: ClusterConnector;
}

/** How long the node holding an HTTP session has to answer a request relayed to it. */
const REMOTE_SESSION_DEADLINE_MS = 5_000;
/** How long a metrics scrape waits for the webhook queue's depth (Redis) before leaving it out. */
const QUEUE_DEPTH_DEADLINE_MS = 1_000;

export interface SwitchboardParts {
  readonly nodeId: string;
  readonly logger: Logger;
  readonly broker: Broker;
  readonly state: ClusterState;
  readonly webhooks: Webhooks;
  readonly engine: Engine;
  readonly server: Server;
  readonly certificates: CertificateReloader | undefined;
  readonly acceptGuard: AcceptGuard;
  readonly httpTransports: HttpEndpoint | undefined;
  readonly developmentApp: boolean;
  readonly metrics: NodeMetrics;
  readonly admin: AdminListener | undefined;
  readonly dashboard: Dashboard | undefined;
  readonly consoleBus: ConsoleBus;
  readonly appCache: CachedAppStore | undefined;
  readonly storage: LazyStorage;
  readonly chatHooks: ChatHooks;
  readonly push: Push;
}

/** Builds every part of a server from its configuration; nothing listens yet. */
export async function assembleSwitchboard(config: Config, options: SwitchboardOptions = {}): Promise<SwitchboardParts> {
  const logger = options.logger ?? createLogger(config.log.level);
  const now = options.now ?? Date.now;
  // Read first: a bad TLS file stops the start before anything is connected.
  const tls = await readListenerTls(config, now());
  // The broker is built first and forwards to the engine once the engine exists.
  const relay: { engine?: Engine; broker?: Broker } = {};
  const nodeId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  // The debug console's tap: nobody watches until a console opens (core/debug-tap.ts).
  const tap = new DebugTap(nodeId, now);
  const { store: apps, manager: appManager, cache: appCache } = await createApps(config, {
    logger,
    now,
    publish: async ({ id, keys }) => {
      await relay.broker?.control.tell(APP_CHANGED, { appId: id, keys: [...keys] });
    },
    liveAppIds: () => relay.engine?.connectedAppIds() ?? [],
  });
  const webhooks = await createWebhooks(config, { apps, logger, now, tap });
  // Opened (and migrated) at boot only when a feature that keeps data is on; never otherwise.
  const storage = new LazyStorage(config.storage, STORAGE_FEATURES, logger);
  if (STORAGE_FEATURES.some((feature) => feature.usedBy(config))) await storage.get();
  const metrics = new NodeMetrics();
  const counters = new CoreCounters(metrics.observeStateOperation);
  const resolveClient = createClientResolver(config.http.trustProxy);
  const push = await createPush(config, { apps, storage, registry: metrics.registry, logger, now, clientAddressOf: (request) => resolveClient(request).address });

  const handlers: BrokerHandlers = { onPublication: (publication) => relay.engine?.onPublication(publication) };
  const { broker, state } = await (options.cluster ?? connectCluster)({ config, nodeId, handlers, now, logger });
  broker.control.handle(APP_CHANGED, ({ appId, keys }) => void appCache?.invalidate(appId, keys));
  const engine = new Engine({
    apps,
    broker,
    state,
    webhooks: webhooks.sink,
    counters,
    tap,
    logger,
    now,
    settings: {
      activityTimeoutSeconds: config.activityTimeout,
      pongTimeoutSeconds: config.pongTimeout,
      transitionDelayMs: config.webhooks.transitionDelayMs,
      sweepIntervalMs: sweepInterval(config),
      reapIntervalMs: Math.max(100, (config.cluster.nodeTimeout * 1000) / 2),
      subscriptionCountThrottle: {
        threshold: config.subscriptionCountThrottle.threshold,
        intervalMs: config.subscriptionCountThrottle.interval * 1000,
      },
    },
  });
  relay.engine = engine;
  relay.broker = broker;
  // Debug console traffic and node status between nodes, on every node (observe/console-bus.ts).
  const consoleBus = new ConsoleBus({
    tap,
    send: (body) => broker.control.tell(CONSOLE, body),
    localStats: () => nodeStats(nodeId, engine),
    logger,
    now,
  });
  broker.control.handle(CONSOLE, (body) => consoleBus.onMessage(body));
  appCache?.onChange((change) => engine.applyAppChange(change.id, change.app));
  const addressLimits = new AddressLimits(config.perAddress, now);
  metrics.attach({
    appIds: config.apps.map((app) => app.id),
    counters,
    engine,
    webhooks: {
      snapshot: () => webhooks.metrics.snapshot(),
      queueDepth: () => withDeadline(webhooks.queueDepth(), QUEUE_DEPTH_DEADLINE_MS),
    },
    log: options.logOutput,
  });
  const scheduler = new FlushScheduler();
  const websocket = new WebSocketEndpoint({
    engine,
    scheduler,
    logger,
    maxPayloadBytes: config.websocket.maxPayloadBytes,
    maxBufferedBytes: config.websocket.maxBufferedBytes,
    compression: config.websocket.compression,
    now,
    resolveClient,
    addressLimits,
  });
  const directory = new LocalSessionDirectory(config.httpTransports.maxSessionsPerApp);
  const registry = state.sessions;
  const remote =
    registry === undefined
      ? undefined
      : new RemoteSessions({
          control: broker.control,
          directory,
          logger,
          deadlineMs: REMOTE_SESSION_DEADLINE_MS,
          maxBufferedBytes: config.httpTransports.maxQueuedBytes,
        });
  const cluster = registry === undefined || remote === undefined ? undefined : { registry, remote };
  const httpTransports = config.httpTransports.enabled
    ? createHttpTransports(config, { engine, scheduler, logger, directory, cluster, resolveClient, addressLimits })
    : undefined;
  state.membership?.onLost(() => void httpTransports?.reclaimSessions());
  const acceptGuard = new AcceptGuard(logger);
  const api = { apps, engine, state, logger, now, maxBodyBytes: config.http.maxBodyBytes, limiter: new PublishLimiter(now), resolveClient };
  const chatHooks: ChatHooks = {};
  const router = new Router([
    ...healthRoutes(() => (engine.draining ? 'draining' : acceptGuard.canAccept() ? undefined : 'out of file descriptors'), VERSION),
    ...(httpTransports?.routes() ?? []),
    ...instrumentRoutes(
      [...apiRoutes(api), ...createChat({ api, state, webhooks: webhooks.sink, storage, hooks: chatHooks }).routes],
      metrics.observeApiRequest,
      logger,
      resolveClient,
    ),
    ...instrumentRoutes(push.routes, metrics.observeApiRequest, logger, resolveClient),
  ]);
  const serverOptions: HttpServerOptions = {
    router,
    logger,
    keepAliveTimeoutSeconds: config.http.keepAliveTimeout,
    requestTimeoutSeconds: config.http.requestTimeout,
    onUpgrade: (request, socket, head) => websocket.handleUpgrade(request, socket, head),
  };
  const { server, certificates } = createMainListener(serverOptions, tls, logger);
  const admin =
    (options.adminListener ?? config.admin.enabled)
      ? createAdminListener(config, { nodeId, engine, state, apps, appManager, metrics, webhooks, tap, consoleBus, logger, now })
      : undefined;
  return {
    nodeId,
    logger,
    broker,
    state,
    webhooks,
    engine,
    server,
    certificates,
    acceptGuard,
    httpTransports,
    developmentApp: options.developmentApp ?? false,
    metrics,
    admin: admin?.listener,
    dashboard: admin?.dashboard,
    consoleBus,
    appCache,
    storage,
    chatHooks,
    push,
  };
}

/** The value if it settles within `ms`, else undefined (a failure counts as undefined too). */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise.catch(() => undefined), late]).finally(() => clearTimeout(timer));
}

function createHttpTransports(
  config: Config,
  parts: Pick<HttpEndpointOptions, 'engine' | 'scheduler' | 'logger' | 'directory' | 'cluster' | 'resolveClient' | 'addressLimits'>,
): HttpEndpoint {
  const settings = config.httpTransports;
  return new HttpEndpoint({
    ...parts,
    httpPath: config.httpPath,
    maxSendBytes: settings.maxSendBytes,
    limits: {
      maxQueuedBytes: settings.maxQueuedBytes,
      maxPendingMessages: settings.maxPendingMessages,
      heartbeatMs: settings.heartbeatInterval * 1000,
      disconnectGraceMs: settings.disconnectGrace * 1000,
      reorderWindowMs: settings.reorderWindowMs,
    },
  });
}

/**
 * Connections are checked a few times per shortest deadline (silence, pong, sign-in), so each is
 * enforced within a quarter of its length; between 100 ms and 5 s.
 */
function sweepInterval(config: Config): number {
  const signinTimeouts = config.apps.filter((app) => app.requireSignin).map((app) => app.signinTimeout);
  const shortestSeconds = Math.min(config.activityTimeout, config.pongTimeout, ...signinTimeouts);
  return Math.min(5_000, Math.max(100, (shortestSeconds * 1000) / 4));
}
