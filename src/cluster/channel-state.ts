/**
 * ChannelState: the cluster-wide truth about channel subscriptions and presence members, which
 * every node must agree on. Each operation is atomic across the cluster, so exactly one caller
 * observes each transition (first subscriber, a user's first connection, last subscriber, ...).
 *
 * Webhook transitions (occupied/vacated, member added/removed) are debounced: when a leave is made
 * with `transitionDelayMs`, emptying a channel (or removing a user's last connection) records a
 * pending transition due after the delay instead of reporting it at once. A join before it is due
 * cancels it and reports nothing, so a page reload produces neither vacated nor occupied. Due
 * transitions live in the shared state, and `takeDueTransitions` hands each to exactly one caller
 * anywhere in the cluster, so a node that dies mid-delay loses none. Immediate transitions
 * (`memberAdded`/`memberRemoved`, for the `pusher_internal:member_*` events) are never debounced.
 */
import type { JsonValue } from '../protocol/json.js';

export interface PresenceMember {
  /** As given in channel_data (Laravel often sends numbers); members are keyed by its string form. */
  readonly userId: string | number;
  readonly userInfo: JsonValue | undefined;
}

export interface JoinRequest {
  readonly appId: string;
  readonly channel: string;
  readonly socketId: string;
  /** Set for presence channels. */
  readonly member?: PresenceMember | undefined;
  /** Distinct-user cap for presence channels; the join is refused when it would exceed it. */
  readonly maxMembers?: number | undefined;
  /** Whether webhook transitions of this app are debounced (see above). */
  readonly transitionDelayMs?: number | undefined;
}

export interface LeaveRequest {
  readonly appId: string;
  readonly channel: string;
  readonly socketId: string;
  /** As for JoinRequest; the same app must always pass the same value. */
  readonly transitionDelayMs?: number | undefined;
}

export type JoinResult =
  | {
      readonly ok: true;
      /** Subscriptions (connections) on the channel after the join, cluster-wide. */
      readonly subscriptionCount: number;
      /** Report `channel_occupied`: the first subscriber, and not a return within the debounce. */
      readonly occupied: boolean;
      /** The user's first connection in the channel: tell the other members. */
      readonly memberAdded: boolean;
      /** Report the `member_added` webhook (memberAdded, and not a return within the debounce). */
      readonly memberAddedReported: boolean;
      /**
       * Presence channels: every member, the joining user included, one per user id. Stores that
       * keep members in memory return the same objects join after join (the snapshot's encoding
       * remembers per member object: protocol/presence-snapshot.ts).
       */
      readonly presence: readonly PresenceMember[] | undefined;
    }
  | { readonly ok: false; readonly reason: 'presence-full' };

export interface LeaveResult {
  readonly subscriptionCount: number;
  /** The user's last connection left: tell the other members. */
  readonly memberRemoved: boolean;
  readonly userId: string | number | undefined;
  /** The channel became empty. With a transition delay, `channel_vacated` is pending, not reported. */
  readonly vacated: boolean;
}

export type Transition =
  | { readonly kind: 'vacated' }
  | { readonly kind: 'member-removed'; readonly userId: string | number };

/** A debounced transition whose delay has passed with nothing cancelling it: report it now. */
export interface DueTransition {
  readonly appId: string;
  readonly channel: string;
  readonly transition: Transition;
}

export interface ChannelSummary {
  readonly subscriptionCount: number;
  /** Distinct presence users; 0 for other channel types. */
  readonly userCount: number;
}

export interface ChannelState {
  join(request: JoinRequest): Promise<JoinResult>;
  /** Removes the socket's subscription; a socket that was not subscribed is a no-op. */
  leave(request: LeaveRequest): Promise<LeaveResult>;
  /** Claims up to `limit` transitions due at `now`; each is handed to exactly one caller. */
  takeDueTransitions(now: number, limit: number): Promise<readonly DueTransition[]>;
  /** Counts for one channel; zero counts when it is not occupied. */
  summary(appId: string, channel: string): Promise<ChannelSummary>;
  /** Every occupied channel of the app whose name starts with `prefix`. */
  list(appId: string, prefix: string): Promise<ReadonlyMap<string, ChannelSummary>>;
  members(appId: string, channel: string): Promise<readonly PresenceMember[]>;
}
