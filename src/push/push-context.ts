/** What the push notification API handlers use. */
import type { IncomingMessage } from 'node:http';
import type { AppStore } from '../apps/app-store.js';
import type { Logger } from '../shared/logger.js';
import type { RatePerKey } from '../shared/rate-per-key.js';
import type { PublishStatusStore } from './publish-status.js';
import type { PushCounters } from './push-counters.js';
import type { PushQueue } from './push-queue.js';
import type { PushStore } from './push-store.js';
import type { VapidKeyring } from './vapid-keyring.js';
import type { PushWebhookEmitter } from './push-webhooks.js';

export interface PushContext {
  readonly apps: AppStore;
  readonly store: PushStore;
  readonly keyring: VapidKeyring;
  readonly queue: PushQueue;
  readonly status: PublishStatusStore;
  readonly counters: PushCounters;
  /** Publishes per app (`push.publishesPerSecond`, per node): over it, 429 with Retry-After, as Beams answers. */
  readonly rate: RatePerKey;
  /**
   * Device registrations per client address (`push.registrationsPerMinute`, per node; none when
   * unset): the device API is public, so this is what bounds how fast one client adds devices.
   */
  readonly registrations: RatePerKey | undefined;
  /** The client's address, as the perAddress limits see it (http.trustProxy). */
  readonly clientAddressOf: (request: IncomingMessage) => string;
  readonly logger: Logger;
  readonly now: () => number;
  /** Which subscription endpoints devices may register (see endpoint-policy.ts). */
  readonly endpointAllowed: (endpoint: URL) => boolean;
  /** Beams' webhooks (acknowledgement and open from the reporting API). */
  readonly webhooks: PushWebhookEmitter;
  /** Sends v1.PublishToUsersAttempt for a publish to users that is done (see PushProcessor). */
  readonly reportUsers: (appId: string, publishId: string) => Promise<void>;
}
