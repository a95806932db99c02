/**
 * Every feature that keeps data in the storage layer, each with its migrations. A feature adds
 * itself here (one line); `switchboard migrate` and the boot migration apply all of them, so the
 * schema never depends on which apps have which feature on.
 */
import { PUSH_STORAGE } from './push/push-migrations.js';
import type { StorageFeature } from './storage/migrations.js';

export const STORAGE_FEATURES: readonly StorageFeature[] = [PUSH_STORAGE];
