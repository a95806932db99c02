/**
 * One outgoing Pusher message, encoded at most once per wire format no matter how many
 * recipients it has: the WebSocket frame bytes and the quoted string used in the HTTP
 * transports' `a[...]` frames are computed on first use and shared.
 */
import { encodeTextFrame } from './websocket-frame.js';

export class Frame {
  readonly text: string;
  #websocket: Buffer | undefined;
  #quoted: string | undefined;

  constructor(text: string) {
    this.text = text;
  }

  /** The complete RFC 6455 text frame carrying `text`. */
  websocketBytes(): Buffer {
    return (this.#websocket ??= encodeTextFrame(this.text));
  }

  /** `text` as a JSON string literal, an element of a SockJS-style `a[...]` frame. */
  quoted(): string {
    return (this.#quoted ??= JSON.stringify(this.text));
  }

  /** Approximate memory held by this frame per queue entry, for buffer accounting. */
  get size(): number {
    return this.text.length;
  }
}
