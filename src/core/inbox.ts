/**
 * A connection's inbound messages, handled strictly one at a time and in order. A message whose
 * handling waits on cluster state (a subscribe, unsubscribe or sign-in) holds the ones behind it
 * here; once INBOX_HIGH_WATER of them wait, the transport is paused, and it is resumed once the
 * inbox has drained. Memory per connection stays bounded whatever the client sends.
 *
 * Contract with the owner: `dispatch` handles one message and returns a promise only when it must
 * wait; a throw or a rejection goes to `failed` and the next message is handled as usual. `idle`
 * is called each time the inbox settles with nothing in flight after having waited.
 */

/** Inbound messages queued behind a slow one before the transport is paused. */
export const INBOX_HIGH_WATER = 64;

export interface InboxOwner {
  dispatch(text: string): Promise<void> | undefined;
  failed(error: unknown): void;
  /** Apply backpressure to the client (Transport.pause). */
  pause(): void;
  resume(): void;
  /** Nothing in flight any more, and nothing queued (or the queue was cleared). */
  idle(): void;
}

/** Where the inbox stands; transitions only through the methods below. */
const enum InboxState {
  /** Nothing in flight: the next message is handled at once. */
  Idle,
  /** A message waits on cluster state; later ones queue. */
  Busy,
  /** Busy, and the queue reached its high-water mark: the transport is paused. */
  Paused,
}

export class Inbox {
  readonly #owner: InboxOwner;
  readonly #highWater: number;
  #state = InboxState.Idle;
  #queue: string[] = [];

  constructor(owner: InboxOwner, highWater: number = INBOX_HIGH_WATER) {
    this.#owner = owner;
    this.#highWater = highWater;
  }

  /** True while a message waits on cluster state. */
  get busy(): boolean {
    return this.#state !== InboxState.Idle;
  }

  /** Messages waiting behind the one in flight. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Handles the message now, or queues it behind the one in flight (pausing at high water). */
  push(text: string): void {
    if (this.#state === InboxState.Idle) {
      this.#process(text);
      return;
    }
    this.#queue.push(text);
    if (this.#state === InboxState.Busy && this.#queue.length >= this.#highWater) {
      this.#state = InboxState.Paused;
      this.#owner.pause();
    }
  }

  /** Drops every queued message (the connection is over); the one in flight runs to its end. */
  clear(): void {
    this.#queue = [];
  }

  /** Handles one message; true when it waits (the inbox is then Busy). */
  #process(text: string): boolean {
    let pending: Promise<void> | undefined;
    try {
      pending = this.#owner.dispatch(text);
    } catch (error) {
      this.#owner.failed(error);
      return false;
    }
    if (pending === undefined) return false;
    this.#state = InboxState.Busy;
    pending
      .catch((error: unknown) => this.#owner.failed(error))
      .finally(() => this.#settled());
    return true;
  }

  /** The message in flight is done: handle what queued behind it until one waits again. */
  #settled(): void {
    const paused = this.#state === InboxState.Paused;
    this.#state = InboxState.Idle;
    while (this.#queue.length > 0) {
      if (this.#process(this.#queue.shift() as string)) {
        // Waiting again: a paused transport stays paused until the queue has drained.
        if (paused) this.#state = InboxState.Paused;
        return;
      }
    }
    if (paused) this.#owner.resume();
    this.#owner.idle();
  }
}
