/**
 * Transport: one client's wire (a WebSocket, or an HTTP fallback session), as the Connection sees
 * it. A Connection never knows which transport it rides.
 *
 * Contract:
 * - `send` queues a frame; queued frames are written together at most once per event-loop turn.
 *   A transport whose reader falls behind (queued bytes over its cap; for a WebSocket, for longer
 *   than a grace period) closes itself with 4100; memory per connection stays bounded.
 * - `close` writes everything queued, then the close code and reason; later sends are dropped.
 * - `listener.onClose` is called exactly once, whoever closed, as soon as the connection is over
 *   for the client (a WebSocket: its close frame, or the server's 4100), which can be before the
 *   underlying socket has closed; with the code of the side that closed first (the server's own
 *   code when it closed, even if the peer never answers).
 * - Inbound text is delivered in order; `pause`/`resume` apply backpressure to the client.
 */
import type { ClientAddress } from '../shared/client-address.js';
import type { Frame } from '../protocol/frame.js';

export interface TransportListener {
  onText(text: string): void;
  /** A message the protocol cannot carry (a binary WebSocket frame). */
  onUnsupported(): void;
  /** The client showed it is alive without a message (e.g. an HTTP heartbeat). */
  onActivity(): void;
  onClose(code: number, reason: string): void;
}

export interface Transport {
  readonly name: 'ws' | 'xhr_streaming' | 'xhr_polling';
  /** Who opened it: the client address and scheme, behind trusted proxies the forwarded ones. */
  readonly client: ClientAddress;
  /** True once closing has begun (by either side); sends are dropped from then on. */
  readonly closing: boolean;
  /** Starts delivering inbound messages to the listener (buffered until then). */
  attach(listener: TransportListener): void;
  send(frame: Frame): void;
  close(code: number, reason: string): void;
  pause(): void;
  resume(): void;
}
