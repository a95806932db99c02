/**
 * The delivery queue's jobs (plain JSON: they live in Redis with the Redis queue). A publish is
 * one `fanout` job; each fan-out job reads one page of the audience from the store, queues
 * `deliver` jobs for it and, when the page was full, the next fan-out job. A `deliver` job sends
 * one message to a batch of devices; the devices to try again go into a new, delayed job.
 */
import type { PublishTarget, Urgency } from './publish-request.js';
import type { DeviceTarget } from './push-store.js';

export interface PublishJob {
  readonly appId: string;
  readonly publishId: string;
  /** The message as every device receives it (see webMessage). */
  readonly payload: string;
  readonly urgency: Urgency;
  readonly topic?: string;
  /** The publish's time_to_live; 0 means "now or never": sent once, never retried. */
  readonly ttlSeconds: number;
  /** When the publish's time_to_live runs out (ms): no retry is scheduled past it. */
  readonly expiresAt: number;
  /** A publish to users: its devices carry their user, whose outcomes are recorded. */
  readonly toUsers?: boolean;
}

export interface FanoutJob {
  readonly kind: 'fanout';
  readonly publish: PublishJob;
  readonly target: PublishTarget;
  /** The last device id of the previous page. */
  readonly after?: string;
}

export interface DeliverJob {
  readonly kind: 'deliver';
  readonly publish: PublishJob;
  readonly devices: readonly DeviceTarget[];
  /** Attempts already made for these devices. */
  readonly attempt: number;
}

export type PushJob = FanoutJob | DeliverJob;

/** A job to queue after the current one, after `delayMs`. */
export interface FollowUp {
  readonly job: PushJob;
  readonly delayMs: number;
}
