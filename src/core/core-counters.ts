/**
 * What core counts for metrics, as plain integer fields: the per-message paths (a delivery, a
 * byte sent) only add to a field of an object they already hold, and the metrics registry
 * (observe/) reads the totals when it is scraped. Core never calls a metrics library.
 *
 * Labels stay bounded: counters are kept per app id, transport name and close code, never per
 * channel or socket.
 */

/** Totals of one app on this node; every field only grows. */
export class AppCounters {
  /** Messages accepted by the HTTP API: one per event per channel. */
  apiMessages = 0;
  /** Messages queued to subscribers on this node (one per recipient). */
  deliveries = 0;
  /** client-* events accepted from clients. */
  clientEvents = 0;
  /** Characters of message text received from clients (bytes for ASCII text). */
  receivedBytes = 0;
  /** UTF-8 bytes of message text queued to clients (Frame.size). */
  sentBytes = 0;
  /** Connections closed because their reader fell behind (4100). */
  slowConsumerCloses = 0;
  /** Connections admitted, by transport name. */
  readonly opened = new Map<string, number>();
  /** Connections closed, by transport name and close code. */
  readonly closed = new Map<string, ClosedCount>();

  connectionOpened(transport: string): void {
    this.opened.set(transport, (this.opened.get(transport) ?? 0) + 1);
  }

  connectionClosed(transport: string, code: number): void {
    const key = `${transport} ${code}`;
    const entry = this.closed.get(key);
    if (entry === undefined) this.closed.set(key, { transport, code, count: 1 });
    else entry.count += 1;
  }
}

export interface ClosedCount {
  readonly transport: string;
  readonly code: number;
  count: number;
}

/** Receives the duration of each shared-state operation core awaits on a connection's behalf. */
export type StateOperationObserver = (operation: string, seconds: number) => void;

export class CoreCounters {
  readonly #apps = new Map<string, AppCounters>();
  readonly #observeStateOperation: StateOperationObserver;
  /** Publications the bus refused or failed to take (the other nodes missed them). */
  busPublishFailures = 0;

  constructor(observeStateOperation: StateOperationObserver = () => undefined) {
    this.#observeStateOperation = observeStateOperation;
  }

  /** The counters of one app, created on first use and kept for the life of the process. */
  app(appId: string): AppCounters {
    let counters = this.#apps.get(appId);
    if (counters === undefined) {
      counters = new AppCounters();
      this.#apps.set(appId, counters);
    }
    return counters;
  }

  apps(): IterableIterator<[string, AppCounters]> {
    return this.#apps.entries();
  }

  /** Awaits a shared-state operation and reports how long it took (failed ones too). */
  async timeStateOperation<T>(operation: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } finally {
      this.#observeStateOperation(operation, (performance.now() - started) / 1000);
    }
  }
}
