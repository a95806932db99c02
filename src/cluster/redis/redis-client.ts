/**
 * Redis connections as Switchboard uses them: every command is bounded in time and memory, so a
 * Redis that is down or hung (accepting TCP, answering nothing) makes calls fail fast instead of
 * piling up.
 *
 * - Down: no offline queue, so commands fail at once while the client is not connected; it
 *   reconnects on its own with a capped backoff.
 * - Hung: a command unanswered after CLUSTER_CALL_TIMEOUT_MS fails, and the connection is reset, since
 *   ioredis would otherwise keep the timed-out command (and every later one) queued for a reply
 *   that may never come. While the client reconnects (and its ready check, itself bounded by the
 *   same timeout, runs) commands fail at once instead of waiting for it.
 * - Memory: a command is refused at once while MAX_UNSENT_BYTES are already waiting in the socket
 *   for the kernel to take them (a hung server stops reading), or MAX_PENDING_COMMANDS await
 *   replies; what is queued is otherwise bounded by the timeout, after which it is dropped.
 *
 * `connectRedis` rejects if the first connection fails.
 */
import { Redis, type Command } from 'ioredis';
import { CLUSTER_CALL_TIMEOUT_MS } from '../unavailable.js';
import { describeTarget, redisOptions, type RedisTarget } from '../../config/redis-target.js';

export interface RedisSettings {
  readonly target: RedisTarget;
  /** Label for logs and CLIENT LIST. */
  readonly name: string;
}

/**
 * The longest wait between two reconnection attempts: every node that can reach Redis again is
 * back at most this long after it returned (plus the connect time).
 */
export const MAX_RECONNECT_DELAY_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;
const MAX_UNSENT_BYTES = 8 * 1024 * 1024;
const MAX_PENDING_COMMANDS = 50_000;
/** ioredis's message for a command that reached its commandTimeout (see Command.setTimeout). */
const TIMED_OUT = 'Command timed out';

/** Redis did not take or answer a command within the bounds above. */
export class RedisUnavailableError extends Error {
  constructor(reason: string) {
    super(`Redis is unavailable: ${reason}`);
    this.name = 'RedisUnavailableError';
  }
}

/** ioredis types its `stream` as always set; it is not before the first connection. */
function unsentBytes(socket: { readonly writableLength: number } | undefined): number {
  return socket === undefined ? 0 : socket.writableLength;
}

type CommandStream = Parameters<Redis['sendCommand']>[1];

/** An ioredis client that resets its connection when a command times out and caps its backlog. */
class BoundedRedis extends Redis {
  override sendCommand(command: Command, stream?: CommandStream): unknown {
    const unsent = unsentBytes(this.stream);
    // A pipeline (`stream` given) writes once all its commands are queued, so it is refused only
    // on what cannot change while it is being built: refusing one of its commands would leave the
    // others unwritten.
    const backlog = stream === undefined && this.commandQueue.length >= MAX_PENDING_COMMANDS;
    if (unsent >= MAX_UNSENT_BYTES || backlog) {
      command.reject(new RedisUnavailableError(`${String(this.commandQueue.length)} commands and ${String(unsent)} bytes are waiting for it`));
      return command.promise;
    }
    const sent = super.sendCommand(command, stream);
    command.promise.catch((error: unknown) => {
      // Resets only the connection the command waited on; a later one is left alone.
      if (error instanceof Error && error.message === TIMED_OUT && this.status === 'ready') this.disconnect(true);
    });
    return sent;
  }
}

export async function connectRedis(settings: RedisSettings): Promise<Redis> {
  const options = redisOptions(settings.target, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: CLUSTER_CALL_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    connectionName: settings.name,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
  });
  // ioredis types `replyMapping` differently in RedisOptions and in its constructor; Switchboard
  // never sets it, so it is left out rather than cast.
  const { replyMapping, ...rest } = options;
  const redis = new BoundedRedis(rest);
  // Errors are reported by the commands that fail; an 'error' event must still be listened to.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`cannot connect to Redis (${describeTarget(settings.target)}): ${(error as Error).message}`, { cause: error });
  }
  return redis;
}
