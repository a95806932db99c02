/**
 * Several frames' WebSocket bytes joined into one buffer, so that a socket's turn of frames goes
 * out in one write of one buffer rather than a corked writev: Node's writev costs hundreds of
 * instructions per chunk (a request object per write, a property read and view checks per chunk
 * in StreamBase::Writev), far more than the frames' bytes at these sizes.
 *
 * The recipients of a publication usually get the same frames in the same turn, so the last
 * buffer made is kept and handed to every socket given the same frames (the same Frame objects in
 * the same order): at saturation, one copy per turn serves every subscriber of the channel. Only
 * small batches are joined (JOIN_AT_MOST_BYTES): a larger one that differs from socket to socket
 * would cost a private copy each, so it keeps the writev of the shared frame buffers.
 */
import type { Frame } from '../protocol/frame.js';

/** Batches up to this many bytes are joined; at this size a buffer comes from Buffer's shared pool. */
export const JOIN_AT_MOST_BYTES = 4096;

export class JoinedFrames {
  #frames: readonly Frame[] = [];
  #bytes: Buffer | undefined;

  /**
   * The frames' bytes in one buffer, or undefined when they total more than JOIN_AT_MOST_BYTES.
   * The caller must not change `frames` afterwards (it is kept to recognise the next batch).
   */
  bytesOf(frames: readonly Frame[]): Buffer | undefined {
    if (this.#bytes !== undefined && this.#same(frames)) return this.#bytes;
    let total = 0;
    for (const frame of frames) {
      total += frame.websocketBytes().length;
      if (total > JOIN_AT_MOST_BYTES) return undefined;
    }
    const bytes = Buffer.allocUnsafe(total);
    let offset = 0;
    for (const frame of frames) {
      const chunk = frame.websocketBytes();
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    this.#frames = frames;
    this.#bytes = bytes;
    return bytes;
  }

  #same(frames: readonly Frame[]): boolean {
    const last = this.#frames;
    if (frames.length !== last.length) return false;
    for (let index = 0; index < frames.length; index += 1) if (frames[index] !== last[index]) return false;
    return true;
  }
}
