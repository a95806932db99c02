/** ConnectionState for a single node. */
import type { ConnectionState } from './connection-state.js';

export class MemoryConnectionState implements ConnectionState {
  readonly #apps = new Map<string, Set<string>>();

  add(appId: string, socketId: string, maxConnections: number | undefined): Promise<boolean> {
    let sockets = this.#apps.get(appId);
    if (sockets === undefined) {
      sockets = new Set();
      this.#apps.set(appId, sockets);
    }
    if (maxConnections !== undefined && sockets.size >= maxConnections && !sockets.has(socketId)) {
      return Promise.resolve(false);
    }
    sockets.add(socketId);
    return Promise.resolve(true);
  }

  remove(appId: string, socketId: string): Promise<void> {
    const sockets = this.#apps.get(appId);
    sockets?.delete(socketId);
    if (sockets?.size === 0) this.#apps.delete(appId);
    return Promise.resolve();
  }

  count(appId: string): Promise<number> {
    return Promise.resolve(this.#apps.get(appId)?.size ?? 0);
  }
}
