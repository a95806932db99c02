/**
 * The dashboard's sessions: a signed-in browser holds a random session id in an HttpOnly,
 * SameSite=Strict cookie and sends the session's CSRF token in `X-CSRF-Token` with every
 * state-changing request (the page reads it from `GET /session`; another site can read neither).
 * Sessions live in this process's memory only: a restart signs everyone out. At most MAX_SESSIONS
 * are kept (the oldest goes first), each for SESSION_TTL_MS.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'switchboard_session';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const MAX_SESSIONS = 1_000;

export interface Session {
  readonly id: string;
  readonly csrf: string;
  readonly expiresAt: number;
}

export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  create(): Session {
    if (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value ?? '');
    const session = { id: randomToken(), csrf: randomToken(), expiresAt: this.#now() + SESSION_TTL_MS };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The session named by the request's cookie, if it exists and has not expired. */
  fromRequest(request: IncomingMessage): Session | undefined {
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    if (session.expiresAt <= this.#now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session;
  }

  delete(session: Session): void {
    this.#sessions.delete(session.id);
  }

  /** The Set-Cookie value that stores the session in the browser. */
  static cookieFor(session: Session): string {
    return `${SESSION_COOKIE}=${session.id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_MS / 1000}`;
  }

  /** The Set-Cookie value that removes it. */
  static clearingCookie(): string {
    return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
  }
}

/** True when the request's X-CSRF-Token is the session's (constant time). */
export function csrfMatches(request: IncomingMessage, session: Session): boolean {
  const offered = request.headers['x-csrf-token'];
  if (typeof offered !== 'string' || offered.length !== session.csrf.length) return false;
  return timingSafeEqual(Buffer.from(offered), Buffer.from(session.csrf));
}

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}
