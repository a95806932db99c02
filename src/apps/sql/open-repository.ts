/** Builds the SQL AppRepository from `appStore.*` (the server and the CLI share it). */
import type { AppStoreSettings } from '../../config/schema.js';
import type { Logger } from '../../shared/logger.js';
import type { AppRepository } from '../app-repository.js';
import { SecretBox } from '../secret-box.js';
import { openDatabase } from './database.js';
import { SqlAppRepository } from './sql-app-repository.js';

export interface OpenRepositoryOptions {
  readonly logger: Logger;
  readonly now: () => number;
}

/** Nothing connects yet; `url` must be set. */
export function openAppRepository(settings: AppStoreSettings & { readonly url: string }, options: OpenRepositoryOptions): AppRepository {
  const { logger } = options;
  const database = openDatabase(
    { url: settings.url, poolSize: settings.poolSize, queryTimeoutMs: settings.queryTimeoutMs },
    (error) => logger.warn({ err: error }, 'app store connection failed while idle'),
  );
  return new SqlAppRepository({
    database,
    table: settings.table,
    secrets: new SecretBox(settings.encryptionKey),
    timeoutMs: settings.queryTimeoutMs,
    now: options.now,
    onInvalidRow: (id, error) => logger.error({ err: error, app: id }, `app ${id} in ${settings.table} is invalid and is not served`),
  });
}
