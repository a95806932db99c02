/**
 * One outgoing Pusher message, encoded at most once per wire format no matter how many
 * recipients it has: the WebSocket frame bytes and the quoted string used in the HTTP
 * transports' `a[...]` frames are computed on first use and shared.
 */
import { encodeTextFrame } from './websocket-frame.js';

export class Frame {
  readonly text: string;
  /**
   * The bytes `text` takes on the wire (UTF-8), for buffer accounting (websocket.maxBufferedBytes,
   * the HTTP sessions' queues) and the sent-bytes counters. Not `text.length`, which counts UTF-16
   * units: a non-ASCII payload takes up to 3 bytes per unit, and the caps would hold only a third
   * of what they say. Counted once, here: every frame is queued, and a plain field keeps the
   * reads on each delivery as cheap as `text.length` was (a lazy getter cost ~30 instructions
   * per read under cachegrind).
   */
  readonly size: number;
  #websocket: Buffer | undefined;
  #quoted: string | undefined;

  constructor(text: string) {
    this.text = text;
    this.size = Buffer.byteLength(text, 'utf8');
  }

  /** The complete RFC 6455 text frame carrying `text`. */
  websocketBytes(): Buffer {
    return (this.#websocket ??= encodeTextFrame(this.text));
  }

  /** `text` as a JSON string literal, an element of a SockJS-style `a[...]` frame. */
  quoted(): string {
    return (this.#quoted ??= JSON.stringify(this.text));
  }
}
