/**
 * One correction to `ws`'s closing path, for speed alone. ws's frame parser (its Receiver, a
 * Writable) ends itself when the close frame arrives; ws then calls `end()` on it again when the
 * socket ends and again when it closes. Node answers an `end()` on a finished Writable by
 * building an ERR_STREAM_ALREADY_FINISHED, with a stack trace captured without a depth limit,
 * and, given no callback, throws it away: two errors per closed connection, measured at 11% of
 * the server's instructions in a presence churn cycle (bench/instructions-presence.ts).
 *
 * `skipRepeatedReceiverEnds()` gives the Receiver class an `end` that returns at once in exactly
 * the case where Node's would build an error only to drop it (no arguments, already ending or
 * errored, finished or destroyed, not corked), and defers to Node's in every other case, so
 * what any caller can observe is unchanged. ws's Receiver is exported at run time but not in its
 * typings; if a later ws stops exporting it or stops being a Writable, nothing is patched and
 * the cost simply comes back (the test in receiver-end.test.ts says so).
 */
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';

type End = (this: Writable, ...args: unknown[]) => Writable;

let skipped = false;

/** The Receiver class of the `ws` this process loads, when it is a Writable. */
export function wsReceiverClass(): (abstract new (...args: never[]) => Writable) | undefined {
  const { Receiver } = createRequire(import.meta.url)('ws') as { Receiver?: unknown };
  return typeof Receiver === 'function' && Receiver.prototype instanceof Writable ? (Receiver as abstract new (...args: never[]) => Writable) : undefined;
}

/**
 * True when Node's `end()` on `stream` with these arguments would only build an error and drop
 * it: no arguments, end already called (or the stream errored), the stream finished or
 * destroyed, and not corked (an `end()` would uncork it).
 */
export function endWouldOnlyDropAnError(stream: Writable, argumentCount: number): boolean {
  return (
    argumentCount === 0 &&
    (stream.writableEnded || stream.errored !== null) &&
    (stream.writableFinished || stream.destroyed) &&
    stream.writableCorked === 0
  );
}

/** Installs the shortcut once per process; true when it is in place. */
export function skipRepeatedReceiverEnds(): boolean {
  if (skipped) return true;
  const Receiver = wsReceiverClass();
  if (Receiver === undefined) return false;
  const prototype = Receiver.prototype as unknown as { end: End };
  const nodeEnd = prototype.end;
  prototype.end = function end(this: Writable, ...args: unknown[]): Writable {
    return endWouldOnlyDropAnError(this, args.length) ? this : nodeEnd.apply(this, args);
  };
  skipped = true;
  return true;
}
