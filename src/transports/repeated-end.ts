/**
 * Two corrections to `ws`'s closing path, for speed alone. When a client closes, ws's frame
 * parser (its Receiver, a Writable) ends itself on the close frame and ws ends the socket after
 * answering it; ws then calls `end()` on the Receiver again when the socket ends and when it
 * closes, and on the socket again when it ends. Each time Node builds an
 * ERR_STREAM_ALREADY_FINISHED (a formatted message and a captured stack) and, given no
 * callback, throws it away: three errors per closed connection, measured at 11% of the server's
 * instructions in a presence churn cycle (bench/instructions-presence.ts).
 *
 * The `end` installed here returns at once in exactly the case where Node's would build an error
 * only to drop it (see `endWouldOnlyDropAnError`) and defers to Node's in every other case, so
 * what any caller can observe is unchanged. It goes on ws's Receiver class (exported at run time
 * but not in ws's typings; if a later ws stops exporting it or it stops being a Writable, nothing
 * is patched and the cost comes back) and on each upgraded socket itself, never on Node's
 * net.Socket class: other sockets of the process keep Node's own.
 */
import { createRequire } from 'node:module';
import { Writable, type Duplex } from 'node:stream';

type End = (this: Writable, ...args: unknown[]) => Writable;

let receiverPatched = false;

/**
 * True when Node's `end()` on `stream` with these arguments would only build an error and drop
 * it: no arguments, end already called (or the stream errored), the stream finished or
 * destroyed, and not corked (an `end()` would uncork it).
 */
export function endWouldOnlyDropAnError(stream: Writable | Duplex, argumentCount: number): boolean {
  return (
    argumentCount === 0 &&
    (stream.writableEnded || stream.errored !== null) &&
    (stream.writableFinished || stream.destroyed) &&
    stream.writableCorked === 0
  );
}

/** An `end` that skips what would only build and drop an error, and otherwise calls `nodeEnd`. */
function skippingEnd(nodeEnd: End): End {
  return function end(this: Writable, ...args: unknown[]): Writable {
    return endWouldOnlyDropAnError(this, args.length) ? this : nodeEnd.apply(this, args);
  };
}

/** The Receiver class of the `ws` this process loads, when it is a Writable. */
export function wsReceiverClass(): (abstract new (...args: never[]) => Writable) | undefined {
  const { Receiver } = createRequire(import.meta.url)('ws') as { Receiver?: unknown };
  return typeof Receiver === 'function' && Receiver.prototype instanceof Writable ? (Receiver as abstract new (...args: never[]) => Writable) : undefined;
}

/** Installs the shortcut on ws's Receiver class once per process; true when it is in place. */
export function skipRepeatedReceiverEnds(): boolean {
  if (receiverPatched) return true;
  const Receiver = wsReceiverClass();
  if (Receiver === undefined) return false;
  const prototype = Receiver.prototype as unknown as { end: End };
  prototype.end = skippingEnd(prototype.end);
  receiverPatched = true;
  return true;
}

/** Gives one socket (an upgraded WebSocket's) the shortcut, as its own `end`. */
export function skipRepeatedSocketEnds(socket: Duplex): void {
  const own = socket as unknown as { end: End };
  own.end = skippingEnd((Object.getPrototypeOf(socket) as { end: End }).end);
}
