/** What the HTTP API handlers use. */
import type { AppStore } from '../apps/app-store.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import type { Engine } from '../core/engine.js';
import type { Logger } from '../shared/logger.js';
import type { ClientResolver } from '../http/remote-address.js';
import type { PublishLimiter } from './publish-limiter.js';

export interface ApiContext {
  readonly apps: AppStore;
  readonly engine: Engine;
  readonly state: ClusterState;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  readonly limiter: PublishLimiter;
  /** Who a request comes from, under `http.trustProxy` (for logs). */
  readonly resolveClient: ClientResolver;
  now(): number;
}
