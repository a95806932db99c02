/**
 * The bus or the shared store did not answer (down, hung, or over its client-side bounds) within
 * the bound of its client. Callers that face clients turn it into "try again": HTTP 503 with
 * Retry-After, or close 4100 for a new connection.
 */
export class ClusterUnavailableError extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ClusterUnavailableError';
  }
}

/**
 * How long a call to the bus or the store may wait for its answer (Redis commands, JetStream
 * requests, NATS publish confirmations). A healthy server answers in well under a millisecond;
 * this is seconds of silence, after which the caller is told to try again.
 */
export const CLUSTER_CALL_TIMEOUT_MS = 2_000;

/** How long a client told to try again should wait, in seconds (the Retry-After header). */
export const RETRY_AFTER_SECONDS = 1;

/** `call`'s result; any failure becomes a ClusterUnavailableError naming `what`. */
export async function orUnavailable<T>(call: Promise<T>, what: string): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw new ClusterUnavailableError(what, error);
  }
}
