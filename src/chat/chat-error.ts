/** A chat request that cannot be served: an entry of the one error table, plus detail for the caller. */
import type { ApiError } from '../protocol/errors.js';

export class ChatError extends Error {
  override readonly name = 'ChatError';
  readonly error: ApiError;
  /** Seconds, for 429 and 503. */
  readonly retryAfter: number | undefined;

  constructor(error: ApiError, detail: string = error.message, retryAfter?: number) {
    super(detail);
    this.error = error;
    this.retryAfter = retryAfter;
  }
}
