/**
 * A `ws` WebSocket that tells when its closing handshake starts, not only when it ends.
 *
 * ws emits 'close' once the TCP connection has closed, which a client may hold open for a while
 * after sending its close frame; a connection's state (presence membership, subscriptions) must
 * be released when the client says goodbye, not then. ws has no event for a received close frame,
 * but it answers one (and a protocol error) by calling the WebSocket's own public `close()`, and
 * `WebSocketServer`'s public `WebSocket` option makes the server build a subclass of ours. So the
 * override below is the one place that depends on that behaviour of ws; test/disconnect.test.ts
 * fails if an upgrade of ws stops calling `close()` on a received close frame.
 */
import { WebSocket } from 'ws';

/** Close code a close frame without a status code is reported with (RFC 6455 §7.1.5). */
const NO_STATUS_RECEIVED = 1005;

export class ClosingWebSocket extends WebSocket {
  /** Called once, when `close()` is first called on an open socket, by ws or by the server. */
  onClosing: ((code: number, reason: string) => void) | undefined;

  override close(code?: number, data?: string | Buffer): void {
    const wasOpen = this.readyState === WebSocket.OPEN;
    super.close(code, data);
    if (!wasOpen) return;
    const reason = data === undefined ? '' : data.toString();
    this.onClosing?.(code ?? NO_STATUS_RECEIVED, reason);
  }
}
