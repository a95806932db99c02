/**
 * Apps given in the config file while `appStore.url` is set: inserted at boot when their id is
 * absent, never overwritten (the store is the source of truth once an app is in it). Safe when
 * several nodes boot at once: a conflict means another node (or an operator) was first.
 */
import type { Logger } from '../shared/logger.js';
import { AppConflictError } from './app-errors.js';
import { settingsOf } from './app-record.js';
import type { AppRepository } from './app-repository.js';
import type { App } from './app-store.js';

/** Resolves with the ids inserted now. */
export async function seedConfigApps(repository: AppRepository, apps: readonly App[], logger: Logger): Promise<readonly string[]> {
  if (apps.length === 0) return [];
  const existing = new Set((await repository.getByIds(apps.map((app) => app.id))).map((stored) => stored.record.id));
  const inserted: string[] = [];
  for (const app of apps) {
    if (existing.has(app.id)) continue;
    try {
      await repository.insert({ id: app.id, key: app.key, enabled: app.enabled, secret: app.secret, previousSecret: undefined, settings: settingsOf(app) });
      inserted.push(app.id);
    } catch (error) {
      if (!(error instanceof AppConflictError)) throw error;
      if (error.field === 'key') logger.warn({ app: app.id, key: app.key }, `config app ${app.id} not inserted: another app in the store has key ${app.key}`);
    }
  }
  return inserted;
}
