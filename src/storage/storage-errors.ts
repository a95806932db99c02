/** Errors of the storage layer that callers tell apart (an HTTP API answers 503 for the first). */

/** The database did not answer (refused, reset, timed out, busy beyond the timeout). */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
}

/**
 * Whether `error` is a unique or primary-key violation, on either dialect (PostgreSQL 23505,
 * SQLite SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY). Idempotent writes rely on it.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Errors that mean "the query was wrong", not "the database is away": passed through as they are. */
export function isQueryError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  // PostgreSQL classes 22 (data), 23 (integrity), 42 (syntax, undefined table); SQLite's SQL,
  // constraint and value errors (busy, locked, I/O, full, read-only mean unavailable).
  return /^(22|23|42)[0-9A-Z]{3}$/.test(code) || /^SQLITE_(ERROR|CONSTRAINT|MISMATCH|TOOBIG|RANGE)/.test(code);
}
