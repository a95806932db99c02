/**
 * The outgoing frames of one transport: bounded in bytes, and flushed by its owner once per
 * event-loop turn (the first frame queued in a turn registers one flush with the scheduler).
 * What is still queued has not been handed to the socket, so it can be dropped (`clear`).
 */
import type { Frame } from '../protocol/frame.js';
import type { FlushScheduler } from './flush-scheduler.js';

export class FrameQueue {
  readonly #scheduler: FlushScheduler;
  readonly #maxBytes: number;
  #frames: Frame[] = [];
  #bytes = 0;
  #scheduled = false;
  readonly #flushable: { flush(): void };

  /** `flush` is called at most once per turn while frames are queued; it calls `take` or `takeUpTo`. */
  constructor(scheduler: FlushScheduler, maxBytes: number, flush: () => void) {
    this.#scheduler = scheduler;
    this.#maxBytes = maxBytes;
    this.#flushable = {
      flush: () => {
        this.#scheduled = false;
        flush();
      },
    };
  }

  get length(): number {
    return this.#frames.length;
  }

  /** Bytes queued. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Queues a frame unless the queue plus `bufferedBytes` (already written, not yet sent) would
   * go over the cap; then nothing is queued and the caller closes the slow reader.
   */
  push(frame: Frame, bufferedBytes: number): boolean {
    if (this.#bytes + frame.size + bufferedBytes > this.#maxBytes) return false;
    this.#bytes += frame.size;
    this.#frames.push(frame);
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#scheduler.schedule(this.#flushable);
    }
    return true;
  }

  /** Everything queued, in order; the queue is empty afterwards. */
  take(): Frame[] {
    const frames = this.#frames;
    this.#frames = [];
    this.#bytes = 0;
    return frames;
  }

  /**
   * Removes and returns frames from the front, in order, until their bytes reach `maxBytes`: at
   * least one frame, and all of them when they fit. Empty when the queue is.
   */
  takeUpTo(maxBytes: number): Frame[] {
    const frames = this.#frames;
    let count = 0;
    let bytes = 0;
    while (count < frames.length && (count === 0 || bytes < maxBytes)) {
      bytes += (frames[count] as Frame).size;
      count += 1;
    }
    if (count === frames.length) return this.take();
    this.#frames = frames.slice(count);
    this.#bytes -= bytes;
    return frames.slice(0, count);
  }

  clear(): void {
    this.#frames = [];
    this.#bytes = 0;
  }
}
