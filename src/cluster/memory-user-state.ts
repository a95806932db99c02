/** UserState for a single node. */
import type { UserState } from './user-state.js';

export class MemoryUserState implements UserState {
  readonly #apps = new Map<string, Map<string, Set<string>>>();

  add(appId: string, userId: string, socketId: string): Promise<boolean> {
    let users = this.#apps.get(appId);
    if (users === undefined) {
      users = new Map();
      this.#apps.set(appId, users);
    }
    const sockets = users.get(userId);
    if (sockets === undefined) {
      users.set(userId, new Set([socketId]));
      return Promise.resolve(true);
    }
    sockets.add(socketId);
    return Promise.resolve(false);
  }

  remove(appId: string, userId: string, socketId: string): Promise<boolean> {
    const users = this.#apps.get(appId);
    const sockets = users?.get(userId);
    if (users === undefined || sockets?.delete(socketId) !== true) return Promise.resolve(false);
    if (sockets.size > 0) return Promise.resolve(false);
    users.delete(userId);
    if (users.size === 0) this.#apps.delete(appId);
    return Promise.resolve(true);
  }

  online(appId: string, userIds: readonly string[]): Promise<string[]> {
    const users = this.#apps.get(appId);
    return Promise.resolve(users === undefined ? [] : userIds.filter((id) => users.has(id)));
  }
}
