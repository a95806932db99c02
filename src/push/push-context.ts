/** What the push notification API handlers use. */
import type { IncomingMessage } from 'node:http';
import type { AppStore } from '../apps/app-store.js';
import type { Logger } from '../shared/logger.js';
import type { PublishStatusStore } from './publish-status.js';
import type { PushCounters } from './push-counters.js';
import type { PushQueue } from './push-queue.js';
import type { PushStore } from './push-store.js';
import type { VapidKeyring } from './vapid-keyring.js';
import type { PublishRate } from './publish-rate.js';
import type { RegistrationRate } from './registration-rate.js';
import type { PushWebhookEmitter } from './push-webhooks.js';

export interface PushContext {
  readonly apps: AppStore;
  readonly store: PushStore;
  readonly keyring: VapidKeyring;
  readonly queue: PushQueue;
  readonly status: PublishStatusStore;
  readonly counters: PushCounters;
  readonly rate: PublishRate;
  /** Device registrations per client address. */
  readonly registrations: RegistrationRate;
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
