/**
 * A running Switchboard: its lifecycle (listen, reload TLS, graceful shutdown) over the parts
 * assemble.ts builds from the configuration.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdminListener } from './admin/admin-listener.js';
import type { Dashboard } from './admin/dashboard/create-dashboard.js';
import type { CachedAppStore } from './apps/cached-app-store.js';
import { APP_CHANGED } from './apps/app-changed.js';
import type { Broker } from './cluster/broker.js';
import type { ClusterState } from './cluster/cluster-state.js';
import { clusterDriverOf } from './cluster/drivers.js';
import type { Config } from './config/schema.js';
import type { Engine } from './core/engine.js';
import type { Logger } from './shared/logger.js';
import type { AcceptGuard } from './http/accept-guard.js';
import type { CertificateReloader, ReloadOutcome } from './http/certificate-reloader.js';
import type { ConsoleBus } from './observe/console-bus.js';
import type { Push } from './push/create-push.js';
import type { NodeMetrics } from './observe/node-metrics.js';
import type { HttpEndpoint } from './transports/http/http-endpoint.js';
import type { ChatHooks } from './chat/chat-realtime.js';
import type { LazyStorage } from './storage/lazy-storage.js';
import { untilAborted } from './shared/until-aborted.js';
import { VERSION } from './shared/version.js';
import { QUEUE_WRAP_UP_MS } from './webhooks/bullmq-close.js';
import type { Webhooks } from './webhooks/create-webhooks.js';
import type { WebhookMetrics } from './webhooks/metrics.js';
import { assembleSwitchboard, type SwitchboardOptions, type SwitchboardParts } from './assemble.js';

export type { SwitchboardOptions } from './assemble.js';

/**
 * How long requests still in flight when the listener closes may take to be answered. During a
 * shutdown every answer is immediate (503, 4200), so this only matters for a request that
 * arrived just before the close; a slow sender is cut after it.
 */
const IN_FLIGHT_GRACE_MS = 1_000;


export class Switchboard {
  readonly config: Config;
  /** This process's identity in a cluster (logs, shared state). */
  readonly nodeId: string;
  readonly engine: Engine;
  /** This process's metrics registry (served on the admin listener, or to the primary). */
  readonly metrics: NodeMetrics;
  readonly #admin: AdminListener | undefined;
  readonly #dashboard: Dashboard | undefined;
  readonly #consoleBus: ConsoleBus;
  readonly #logger: Logger;
  readonly #server: Server;
  readonly #certificates: CertificateReloader | undefined;
  readonly #acceptGuard: AcceptGuard;
  readonly #broker: Broker;
  readonly #state: ClusterState;
  readonly #webhooks: Webhooks;
  readonly #developmentApp: boolean;
  readonly #httpTransports: HttpEndpoint | undefined;
  readonly #appCache: CachedAppStore | undefined;
  readonly #storage: LazyStorage;
  /** Hooks into chat for other features (the push layer sets `offlineMessage`). */
  readonly chatHooks: ChatHooks;
  readonly #push: Push;
  #closing: Promise<void> | undefined;

  private constructor(config: Config, parts: SwitchboardParts) {
    this.config = config;
    this.nodeId = parts.nodeId;
    this.#logger = parts.logger;
    this.#broker = parts.broker;
    this.#state = parts.state;
    this.#webhooks = parts.webhooks;
    this.engine = parts.engine;
    this.#server = parts.server;
    this.#certificates = parts.certificates;
    this.#acceptGuard = parts.acceptGuard;
    this.#httpTransports = parts.httpTransports;
    this.#developmentApp = parts.developmentApp;
    this.metrics = parts.metrics;
    this.#admin = parts.admin;
    this.#dashboard = parts.dashboard;
    this.#consoleBus = parts.consoleBus;
    this.#appCache = parts.appCache;
    this.#storage = parts.storage;
    this.chatHooks = parts.chatHooks;
    this.#push = parts.push;
  }

  static async create(config: Config, options: SwitchboardOptions = {}): Promise<Switchboard> {
    return new Switchboard(config, await assembleSwitchboard(config, options));
  }

  /** Listens; rejects if the port cannot be bound. */
  async start(): Promise<AddressInfo> {
    if (this.#developmentApp) {
      this.#logger.warn(
        { appId: 'app-id', key: 'app-key', secret: 'app-secret', clientEvents: true },
        'No apps configured: serving the development app (id app-id, key app-key, secret app-secret, client events on). ' +
          'It is refused on non-loopback addresses; configure apps before exposing the server.',
      );
    }
    // The admin listener binds first: a refused admin.port leaves nothing listening.
    await this.#admin?.listen();
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => {
        void this.#admin?.close();
        reject(error);
      };
      this.#server.once('error', onError);
      this.#server.listen(this.config.port, this.config.host, () => {
        this.#server.off('error', onError);
        resolve();
      });
    });
    this.#acceptGuard.start(this.#server);
    this.engine.start();
    this.#consoleBus.start();
    this.#dashboard?.start();
    this.#appCache?.start();
    const address = this.address;
    this.#certificates?.logCurrent('TLS certificate in use');
    const tls = this.#certificates !== undefined;
    this.#logger.info(
      {
        host: address.address,
        port: address.port,
        tls,
        apps: this.config.apps.map((app) => app.id),
        cluster: clusterDriverOf(this.config),
        node: this.nodeId,
        version: VERSION,
      },
      `Switchboard listening on ${address.address}:${address.port}${tls ? ' (https, wss)' : ''}`,
    );
    return address;
  }

  /**
   * Re-reads the TLS files (SIGHUP) and serves them to new handshakes; open connections stay. A
   * bad file is logged and the current certificate kept. 'no-tls' when TLS is not configured.
   */
  reloadTls(): Promise<ReloadOutcome | 'no-tls'> {
    return this.#certificates?.reload() ?? Promise.resolve('no-tls');
  }

  /** Webhook delivery counters of this process (for a metrics endpoint). */
  get webhookMetrics(): WebhookMetrics {
    return this.#webhooks.metrics;
  }

  /**
   * An app was written elsewhere on this box (the `--workers` primary's admin API): re-read it
   * here and tell the other nodes, as a write through this process's own admin API would.
   */
  async announceAppChange(appId: string, keys: readonly string[]): Promise<void> {
    await this.#appCache?.invalidate(appId, keys);
    await this.#broker.control.tell(APP_CHANGED, { appId, keys: [...keys] });
  }

  /** The app store's cache; undefined when apps come from the config file. */
  get appStore(): CachedAppStore | undefined {
    return this.#appCache;
  }

  /** The admin listener's address; undefined when this process serves none. */
  get adminAddress(): AddressInfo | undefined {
    return this.#admin?.address;
  }

  get address(): AddressInfo {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('server is not listening');
    return address;
  }

  /**
   * Graceful shutdown: /ready answers 503 and new clients get 4200, every client is closed with
   * 4200, pending webhook transitions are reported, webhooks are drained (memory queue) or handed
   * to Redis, then the bus and the state are released and last the listener: every client that
   * arrives before it closes is answered, never reset. Idempotent; bounded by
   * `shutdownGracePeriod` (whatever is left then is cut off).
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const graceMs = this.config.shutdownGracePeriod * 1000;
    this.#logger.info({ graceSeconds: this.config.shutdownGracePeriod }, 'shutting down');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    // The drain, and then the queues' requests in flight, are cut this much before the grace
    // period ends (half of it when it is short): the queues then take at most QUEUE_WRAP_UP_MS to
    // record in Redis the jobs they cut, so those jobs hand back what they did not send before the
    // process exits instead of being found locked and run again whole by the next process.
    const queuesCut = new AbortController();
    const cutTimer = setTimeout(() => queuesCut.abort(), graceMs - Math.min(QUEUE_WRAP_UP_MS, graceMs / 2));
    const cutReached = untilAborted(queuesCut.signal).then(() => 'timeout' as const);
    // The listener stays open while draining: /ready answers 503 to the load balancer and new
    // clients are sent away with 4200, so they reconnect to another node.
    this.#dashboard?.close();
    this.#consoleBus.close();
    const drained = await Promise.race([this.engine.drain().then(() => 'drained' as const), cutReached]);
    if (drained === 'timeout') this.#logger.warn('grace period over: cutting off what is left');
    // After the drain, so the transitions it reported are in the batches.
    await Promise.race([Promise.all([this.#webhooks.close(queuesCut.signal), this.#push.close(queuesCut.signal)]), deadline]);
    // HTTP sessions still held (a close not yet delivered, an admission in flight) end now.
    this.#httpTransports?.close();
    await Promise.allSettled([this.#broker.close(), this.#state.close(), this.#appCache?.close(), this.#storage.close()]);
    this.#acceptGuard.stop();
    // The listener closes last: until then every client that arrives is answered (503, 4200)
    // without touching the bus or the state. Closing it also closes idle keep-alive connections;
    // a request already in flight (an arrival that raced the close) gets a moment to be answered
    // before whatever is left is cut.
    const serverClosed = new Promise<void>((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
    });
    const inFlightOver = new Promise<void>((resolve) => setTimeout(resolve, IN_FLIGHT_GRACE_MS).unref());
    await Promise.race([serverClosed, inFlightOver, deadline]);
    this.#server.closeAllConnections();
    await Promise.race([serverClosed, deadline]);
    // Last, so the drain can be watched on /metrics and /ready until the end.
    await this.#admin?.close();
    clearTimeout(timer);
    clearTimeout(cutTimer);
    this.#logger.info('shut down');
  }
}
