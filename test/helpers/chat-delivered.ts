/** What one chat SDK client delivered, in delivery order (the gap-free tests read it). */
import { Waiters } from './wait.js';

export class Delivered {
  readonly ids: number[] = [];
  readonly gaps: { from: number; to: number }[] = [];
  readonly #waiters = new Waiters();
  subscribed = false;
  /** Presence updates so far (each needs a live, subscribed socket). */
  presenceUpdates = 0;
  /**
   * The client's socket id when the newest presence update was handled (with `hooks(socketId)`):
   * an update still in flight on a socket that was just cut arrives with the old id, so a new id
   * proves a new, subscribed connection.
   */
  presenceSocket: string | undefined;

  /** `socketId` reads the client's current socket id (pusher-js's `connection.socket_id`). */
  hooks(socketId: () => string | undefined = () => undefined) {
    return {
      onMessage: (message: { id: number }) => {
        this.ids.push(message.id);
        this.#waiters.notify();
      },
      onPresence: () => {
        this.subscribed = true;
        this.presenceUpdates += 1;
        this.presenceSocket = socketId();
        this.#waiters.notify();
      },
      onDiscontinuity: (gap: { from: number; to: number }) => {
        this.gaps.push(gap);
        this.#waiters.notify();
      },
    };
  }

  until(condition: () => boolean): Promise<void> {
    return this.#waiters.until(condition);
  }

  get last(): number {
    return this.ids.at(-1) ?? 0;
  }
}

