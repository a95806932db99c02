/**
 * The apps API under `--workers N`: the primary serves the admin listener, so it writes to the
 * app store itself (the workers migrate the table at boot) and hands each write to one live
 * worker over the cluster IPC; that worker re-reads the app and announces it on the bus, which
 * reaches every other worker and node. With no worker alive, the refresh
 * (`appStore.refreshSeconds`) catches up.
 */
import type { Worker } from 'node:cluster';
import { ConfigAppManager, StoreAppManager, type AppManager } from '../apps/app-manager.js';
import { openAppRepository } from '../apps/sql/open-repository.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../shared/logger.js';

interface AppChangeMessage {
  readonly type: 'switchboard:app-changed';
  readonly appId: string;
  readonly keys: readonly string[];
}

function isAppChange(message: unknown): message is AppChangeMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'switchboard:app-changed';
}

/** The primary's AppManager; `workers` lists the live workers at the time of a write. */
export function primaryAppManager(config: Config, logger: Logger, workers: () => readonly Worker[]): AppManager {
  const { url } = config.appStore;
  if (url === undefined) return new ConfigAppManager(config.apps);
  const repository = openAppRepository({ ...config.appStore, url }, { logger, now: Date.now });
  return new StoreAppManager({
    repository,
    now: Date.now,
    secretGraceSeconds: config.appStore.secretGraceSeconds,
    changed: ({ id, keys }) => {
      const worker = workers().find((candidate) => candidate.isConnected());
      const message: AppChangeMessage = { type: 'switchboard:app-changed', appId: id, keys };
      worker?.send(message);
      return Promise.resolve();
    },
  });
}

/** In a worker: calls `announce` for every app change the primary hands over. */
export function onAppChangeMessage(channel: NodeJS.Process, announce: (appId: string, keys: readonly string[]) => void): void {
  channel.on('message', (message: unknown) => {
    if (isAppChange(message)) announce(message.appId, message.keys);
  });
}
