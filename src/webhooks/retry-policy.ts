/**
 * When a failed webhook request is tried again: exponential backoff from `initialDelayMs`,
 * doubling per attempt up to `maxDelayMs`, for `periodMs` counted from the batch's creation. The
 * delay that would overshoot the period is shortened so that the last attempt happens exactly at
 * the end of it: a batch is retried for the whole period (Pusher: "for 5 minutes"), never less.
 * Pure, so both queues (memory and BullMQ) share it.
 */
export interface RetryPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly periodMs: number;
}

/**
 * Milliseconds to wait before the next attempt, or undefined when the batch must be given up.
 * `failedAttempts` counts the attempts made so far (1 after the first failure).
 */
export function nextRetryDelay(policy: RetryPolicy, failedAttempts: number, createdAt: number, now: number): number | undefined {
  const age = Math.max(0, now - createdAt);
  const remaining = policy.periodMs - age;
  if (remaining <= 0) return undefined;
  // 2 ** 31 already exceeds any sane maxDelayMs; capping the exponent keeps the number finite.
  const backoff = policy.initialDelayMs * 2 ** Math.min(Math.max(failedAttempts - 1, 0), 31);
  return Math.min(backoff, policy.maxDelayMs, remaining);
}
