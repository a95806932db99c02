/**
 * Runs storage work within the storage's time budget, whatever the driver does: a query error
 * (a constraint, bad SQL) passes through as it is; anything else (refused, reset, timed out,
 * SQLite busy) becomes StorageUnavailableError, which an HTTP API answers with 503.
 */
import type { Storage } from './database.js';
import { isQueryError, StorageUnavailableError } from './storage-errors.js';

export async function bounded<T>(storage: Storage, work: () => Promise<T>): Promise<T> {
  const timeoutMs = storage.queryTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new StorageUnavailableError(`the database did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work(), late]);
  } catch (error) {
    if (error instanceof StorageUnavailableError || isQueryError(error) || !isDriverError(error)) throw error;
    throw new StorageUnavailableError(`the database failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Errors that come from the driver or the network (they carry a string `code`, or are pg's
 * connection and timeout errors), as opposed to the caller's own errors thrown inside `work`,
 * which pass through untouched.
 */
function isDriverError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return true;
  const message = error instanceof Error ? error.message : '';
  return /timeout|terminated|Connection|ECONNREFUSED|ECONNRESET/i.test(message);
}
