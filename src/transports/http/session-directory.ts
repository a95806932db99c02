/**
 * SessionDirectory: where the HTTP endpoint finds the session a request names.
 *
 * Contract:
 * - `lookup` answers where the session lives. Today there are two answers: `here` (this node
 *   holds it) and `nowhere` (no node does: a receive request opens it, a send gets 404).
 * - `register` claims an id for a session on this node, refusing a taken id or an app key that
 *   already has `maxSessionsPerApp` sessions; `unregister` releases it (idempotent).
 *
 * This directory only knows the sessions held on this node. With several nodes, the endpoint asks
 * the cluster's SessionRegistry where a session it does not hold lives, and relays the request
 * there (remote-sessions.ts).
 */
import type { HttpSession } from './http-session.js';

export type SessionLookup = { readonly where: 'here'; readonly session: HttpSession } | { readonly where: 'nowhere' };

export type RegisterResult = 'registered' | 'taken' | 'app-full';

export interface SessionDirectory {
  lookup(id: string): Promise<SessionLookup>;
  register(session: HttpSession): RegisterResult;
  unregister(session: HttpSession): void;
  /** Every session held on this node (for shutdown). */
  sessions(): Iterable<HttpSession>;
}

/** The single-node directory: sessions in a map, counted per app key. */
export class LocalSessionDirectory implements SessionDirectory {
  readonly #maxSessionsPerApp: number;
  readonly #sessions = new Map<string, HttpSession>();
  readonly #perApp = new Map<string, number>();

  constructor(maxSessionsPerApp: number) {
    this.#maxSessionsPerApp = maxSessionsPerApp;
  }

  lookup(id: string): Promise<SessionLookup> {
    const session = this.#sessions.get(id);
    return Promise.resolve(session === undefined ? { where: 'nowhere' } : { where: 'here', session });
  }

  register(session: HttpSession): RegisterResult {
    if (this.#sessions.has(session.id)) return 'taken';
    const count = this.#perApp.get(session.appKey) ?? 0;
    if (count >= this.#maxSessionsPerApp) return 'app-full';
    this.#sessions.set(session.id, session);
    this.#perApp.set(session.appKey, count + 1);
    return 'registered';
  }

  unregister(session: HttpSession): void {
    if (this.#sessions.get(session.id) !== session) return;
    this.#sessions.delete(session.id);
    const count = (this.#perApp.get(session.appKey) ?? 1) - 1;
    if (count === 0) this.#perApp.delete(session.appKey);
    else this.#perApp.set(session.appKey, count);
  }

  sessions(): Iterable<HttpSession> {
    return [...this.#sessions.values()];
  }
}
