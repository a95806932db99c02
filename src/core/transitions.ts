/**
 * Reports debounced webhook transitions (channel_vacated, member_removed) once they are due. The
 * pending transitions live in cluster state; every node sweeps for due ones and ChannelState hands
 * each to exactly one node, so the webhook goes out once even if the node that saw the leave died.
 */
import type { AppStore } from '../apps/app-store.js';
import type { ChannelState, DueTransition } from '../cluster/channel-state.js';
import { FailureLog } from '../shared/failure-log.js';
import type { Logger } from '../shared/logger.js';
import { hasWebhooks, type WebhookEvent, type WebhookSink } from './webhook-sink.js';

export interface TransitionOptions {
  readonly channels: ChannelState;
  readonly apps: AppStore;
  readonly webhooks: WebhookSink;
  readonly logger: Logger;
  readonly now: () => number;
  /** How long vacated / member_removed wait for the channel or member to come back. */
  readonly delayMs: number;
}

/** Due transitions claimed per sweep; a backlog is worked off over successive sweeps. */
const BATCH = 500;

export class Transitions {
  readonly #options: TransitionOptions;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  readonly #failures: FailureLog;

  constructor(options: TransitionOptions) {
    this.#options = options;
    this.#failures = new FailureLog(options.logger, 'taking due webhook transitions');
  }

  get delayMs(): number {
    return this.#options.delayMs;
  }

  start(): void {
    const intervalMs = Math.min(1_000, Math.max(50, this.#options.delayMs / 4));
    this.#timer = setInterval(() => void this.#sweep(this.#options.now()), intervalMs);
    this.#timer.unref();
  }

  /**
   * Stops sweeping. `reportPending` reports every pending transition now instead of when due: for
   * state that dies with this process (no other node would ever report them).
   */
  async stop(reportPending: boolean): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#sweeping;
    if (reportPending) await this.#sweep(Number.POSITIVE_INFINITY);
  }

  #sweep(now: number): Promise<void> {
    if (this.#sweeping !== undefined) return this.#sweeping;
    this.#sweeping = this.#drain(now).finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  async #drain(now: number): Promise<void> {
    try {
      for (;;) {
        const due = await this.#options.channels.takeDueTransitions(now, BATCH);
        for (const transition of due) await this.#report(transition);
        if (due.length < BATCH) break;
      }
      this.#failures.succeeded();
    } catch (error) {
      this.#failures.failed(error);
    }
  }

  async #report({ appId, channel, transition }: DueTransition): Promise<void> {
    const app = await this.#options.apps.findById(appId);
    if (app === undefined || !hasWebhooks(app)) return;
    const event: WebhookEvent =
      transition.kind === 'vacated'
        ? { name: 'channel_vacated', channel }
        : { name: 'member_removed', channel, user_id: String(transition.userId) };
    this.#options.webhooks.emit(app, event);
  }
}
