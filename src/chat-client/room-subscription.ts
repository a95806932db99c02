/**
 * One room, gap-free: every message is delivered once, in id order, with no hole, across
 * disconnects, missed events and reconnections.
 *
 * The room channel is subscribed first; only once the subscription is acknowledged
 * (`pusher:subscription_succeeded`, sent again by pusher-js after every reconnection) are the
 * messages after the last delivered id fetched, page by page. Live messages that arrive meanwhile
 * are buffered, then merged: anything at or below the last delivered id is a duplicate and
 * dropped, the rest is delivered in order. A live message that skips an id (an event lost on the
 * way) starts the same catch-up. Fetching first and subscribing after would lose what is sent in
 * between; this order cannot.
 *
 * When the messages after the last delivered id are no longer stored (retention), the SDK says
 * so with `onDiscontinuity` instead of pretending it caught up, then goes on from the oldest kept.
 */
import type { ChatApi } from './chat-api.js';
import type { Message, MessagePage, PusherChannelLike, PusherLike } from './types.js';

export interface RoomHooks {
  onMessage?: (message: Message) => void;
  onMessageEdited?: (message: Message) => void;
  onMessageDeleted?: (message: Message) => void;
  onTyping?: (event: { user_id: string }) => void;
  onCursor?: (event: { user_id: string; position: number }) => void;
  /** Who is online in the room, on every (re)subscription and change. */
  onPresence?: (online: readonly string[]) => void;
  onMembersChanged?: (event: { added: readonly string[] } | { removed: readonly string[] }) => void;
  /** Messages `from`..`to` are gone (older than the room keeps); delivery goes on after `to`. */
  onDiscontinuity?: (gap: { from: number; to: number }) => void;
  onError?: (error: unknown) => void;
}

export interface RoomOptions {
  /** Deliver every message after this id. Absent: start with the newest `initialLimit` messages. */
  readonly after?: number;
  /** Messages delivered first when `after` is absent (default 50, at most 100). */
  readonly initialLimit?: number;
}

const PAGE = 100;
/** Live messages held during a catch-up beyond which the oldest are dropped (the fetch returns them). */
const MAX_BUFFERED = 10_000;
const RETRY_MS = [250, 500, 1_000, 2_000, 5_000] as const;

export class RoomSubscription {
  readonly roomId: string;
  readonly #api: ChatApi;
  readonly #pusher: PusherLike;
  readonly #hooks: RoomHooks;
  readonly #channelName: string;
  readonly #initialLimit: number;
  #channel: PusherChannelLike | undefined;
  #lastId: number | undefined;
  readonly #buffer = new Map<number, Message>();
  #catchingUp = false;
  #again = false;
  #failures = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #online = new Set<string>();

  constructor(api: ChatApi, pusher: PusherLike, roomId: string, hooks: RoomHooks, options: RoomOptions = {}) {
    this.#api = api;
    this.#pusher = pusher;
    this.roomId = roomId;
    this.#hooks = hooks;
    this.#channelName = `presence-chat-${roomId}`;
    this.#lastId = options.after;
    this.#initialLimit = Math.min(options.initialLimit ?? 50, PAGE);
  }

  /** The id of the last message delivered (undefined before the first catch-up). */
  get lastMessageId(): number | undefined {
    return this.#lastId;
  }

  /** Whether a catch-up is running (live messages are being held). */
  get catchingUp(): boolean {
    return this.#catchingUp;
  }

  start(): void {
    const channel = this.#pusher.subscribe(this.#channelName);
    this.#channel = channel;
    channel.bind('pusher:subscription_succeeded', (members) => {
      this.#setOnline(members);
      this.#catchUp();
    });
    channel.bind('pusher:subscription_error', (error) => this.#hooks.onError?.(error));
    channel.bind('pusher:member_added', (member) => this.#presenceChange(member, true));
    channel.bind('pusher:member_removed', (member) => this.#presenceChange(member, false));
    channel.bind('chat-message', (data) => this.#live(data as Message));
    channel.bind('chat-message-edited', (data) => this.#changed(data as Message, this.#hooks.onMessageEdited));
    channel.bind('chat-message-deleted', (data) => this.#changed(data as Message, this.#hooks.onMessageDeleted));
    channel.bind('chat-typing', (data) => this.#hooks.onTyping?.(data as { user_id: string }));
    channel.bind('chat-cursor', (data) => this.#hooks.onCursor?.(data as { user_id: string; position: number }));
    channel.bind('chat-members-added', (data) => this.#hooks.onMembersChanged?.({ added: (data as { user_ids: string[] }).user_ids }));
    channel.bind('chat-members-removed', (data) => this.#hooks.onMembersChanged?.({ removed: (data as { user_ids: string[] }).user_ids }));
  }

  /** Stops delivering and unsubscribes. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#channel?.unbind();
    this.#pusher.unsubscribe(this.#channelName);
  }

  #live(message: Message): void {
    if (this.#closed) return;
    if (this.#catchingUp || this.#lastId === undefined) {
      this.#hold(message);
      return;
    }
    if (message.id <= this.#lastId) return;
    if (message.id === this.#lastId + 1) {
      this.#deliver(message);
      return;
    }
    // An id was skipped: an event was lost on the way. Hold this one and fetch what is missing.
    this.#hold(message);
    this.#catchUp();
  }

  #hold(message: Message): void {
    this.#buffer.set(message.id, message);
    if (this.#buffer.size > MAX_BUFFERED) {
      const oldest = Math.min(...this.#buffer.keys());
      this.#buffer.delete(oldest);
    }
  }

  #changed(message: Message, hook: ((message: Message) => void) | undefined): void {
    // A change to a message not delivered yet arrives with it (the fetch answers current state).
    if (this.#lastId !== undefined && message.id <= this.#lastId) hook?.(message);
  }

  #deliver(message: Message): void {
    this.#lastId = message.id;
    this.#hooks.onMessage?.(message);
  }

  #catchUp(): void {
    if (this.#closed) return;
    if (this.#catchingUp) {
      this.#again = true;
      return;
    }
    this.#catchingUp = true;
    clearTimeout(this.#retry);
    void this.#fetchMissing().then(
      () => {
        this.#failures = 0;
        this.#catchingUp = false;
        // A message held after the last merge (a hook that made one arrive in between) is fetched too.
        if (this.#again || this.#buffer.size > 0) {
          this.#again = false;
          this.#catchUp();
        }
      },
      (error: unknown) => {
        this.#catchingUp = false;
        this.#again = false;
        if (this.#closed) return;
        this.#hooks.onError?.(error);
        const delay = RETRY_MS[Math.min(this.#failures, RETRY_MS.length - 1)];
        this.#failures += 1;
        this.#retry = setTimeout(() => this.#catchUp(), delay);
      },
    );
  }

  async #fetchMissing(): Promise<void> {
    let last = this.#lastId;
    if (last === undefined) {
      const newest = await this.#api.messages(this.roomId, { limit: this.#initialLimit });
      if (this.#closed) return;
      for (const message of newest.messages) this.#deliver(message);
      last = Math.max(this.#lastId ?? 0, newest.last_message_id);
      this.#lastId = last;
    }
    // Rounds in a row that delivered nothing while messages beyond a hole were held.
    let stalls = 0;
    for (;;) {
      const before: number = last;
      let page: MessagePage;
      do {
        page = await this.#api.messages(this.roomId, { after: last, limit: PAGE });
        if (this.#closed) return;
        if (last + 1 < page.first_message_id) {
          this.#hooks.onDiscontinuity?.({ from: last + 1, to: page.first_message_id - 1 });
          last = page.first_message_id - 1;
          this.#lastId = last;
        }
        for (const message of page.messages) {
          if (message.id <= last) continue;
          // Stored ids have no hole, and a fetch reads what is committed: ids a page skips are gone.
          if (message.id > last + 1) this.#hooks.onDiscontinuity?.({ from: last + 1, to: message.id - 1 });
          this.#deliver(message);
          last = message.id;
        }
      } while (page.messages.length === PAGE);
      // Merge what arrived live meanwhile: duplicates dropped, the rest in order while contiguous.
      last = this.#drain(last, false);
      if (this.#buffer.size === 0) return;
      // Held messages beyond a hole that the fetch did not fill: fetch again. A message is
      // committed before it is sent, and so are all lower ids, so a fetch that starts after a held
      // message arrived returns everything before it: when two rounds in a row bring nothing, the
      // missing ids do not exist any more (a deleted room re-created); say so and go on.
      stalls = last === before ? stalls + 1 : 0;
      if (stalls >= 2) last = this.#drain(last, true);
      if (this.#buffer.size === 0) return;
    }
  }

  /** Delivers held messages in order: while contiguous, or all of them (`skipHoles`, with a discontinuity per hole). */
  #drain(from: number, skipHoles: boolean): number {
    let last = from;
    for (const id of [...this.#buffer.keys()].sort((a, b) => a - b)) {
      const message = this.#buffer.get(id);
      if (message === undefined) continue;
      if (id <= last) {
        this.#buffer.delete(id);
        continue;
      }
      if (id !== last + 1) {
        if (!skipHoles) break;
        this.#hooks.onDiscontinuity?.({ from: last + 1, to: id - 1 });
      }
      this.#buffer.delete(id);
      this.#deliver(message);
      last = id;
    }
    return last;
  }

  #setOnline(members: unknown): void {
    this.#online.clear();
    const each = (members as { each?: (callback: (member: { id: string | number }) => void) => void } | undefined)?.each;
    if (typeof each === 'function') each.call(members, (member) => this.#online.add(String(member.id)));
    this.#hooks.onPresence?.([...this.#online]);
  }

  #presenceChange(member: unknown, added: boolean): void {
    const id = String((member as { id: string | number }).id);
    if (added) this.#online.add(id);
    else this.#online.delete(id);
    this.#hooks.onPresence?.([...this.#online]);
  }
}
