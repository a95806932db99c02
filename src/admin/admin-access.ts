/**
 * Who may use the admin listener, decided before routing:
 *
 * - A state-changing request (anything but GET and HEAD) that carries an Origin other than the
 *   listener's own (`http://<Host>`) is refused (403 cross_origin): browsers send Origin on such
 *   requests, so no other site can make one, with or without a token. API clients send none.
 * - Without `admin.token`, the dashboard (its page, `/session` and `/dashboard/…`) answers only
 *   requests whose Host is a loopback name or address (403 loopback_only), so a page on another
 *   site cannot reach it through DNS rebinding; the other routes stay open as before.
 * - The page and its assets, and `/session` (sign-in), need nothing more.
 * - Anything else needs `Authorization: Bearer <admin.token>` (API clients, scrapers), or a
 *   dashboard session cookie, with the session's `X-CSRF-Token` on state-changing requests (403
 *   csrf). Without a token the dashboard still needs its session (the page gets one from
 *   `GET /session` on a loopback Host), the other routes need nothing.
 */
import type { IncomingMessage } from 'node:http';
import { bearerTokenMatches } from './bearer-token.js';
import { csrfMatches, type SessionStore } from './dashboard/session-store.js';

export type AccessDecision =
  | { readonly ok: true }
  | { readonly ok: false;
      readonly status: 401 | 403;
      readonly code: string;
      readonly error: string;
      /** For the debug log: why, never what was offered. */
      readonly reason: string;
      readonly headers?: Record<string, string>;
    };

const SAFE_METHODS = new Set(['GET', 'HEAD']);
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The page, its assets, the session routes and the dashboard's API. */
export function isDashboardPath(path: string): boolean {
  return path === '/' || path === '/session' || path.startsWith('/assets/') || path.startsWith('/dashboard/');
}

function isPublicPath(path: string): boolean {
  return path === '/' || path === '/session' || path.startsWith('/assets/');
}

/** The Host header's name without its port; undefined when absent. */
export function hostName(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  const match = /^(\[[^\]]*\]|[^:]*)(:\d+)?$/.exec(host.toLowerCase());
  return match?.[1];
}

function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const host = request.headers.host;
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

export function decideAccess(request: IncomingMessage, token: string | undefined, sessions: SessionStore | undefined): AccessDecision {
  const method = request.method ?? 'GET';
  const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
  const safe = SAFE_METHODS.has(method);
  if (!safe && !sameOrigin(request)) {
    return { ok: false, status: 403, code: 'cross_origin', reason: 'cross-origin write', error: 'Requests from another origin may not change anything here' };
  }
  const dashboard = sessions !== undefined && isDashboardPath(path);
  if (dashboard && token === undefined && !LOOPBACK_HOSTS.has(hostName(request.headers.host) ?? '')) {
    return {
      ok: false,
      status: 403,
      code: 'loopback_only',
      reason: 'dashboard on a non-loopback host without admin.token',
      error: 'Without admin.token the dashboard answers only on a loopback host (localhost, 127.0.0.1, [::1]); set admin.token to use it from elsewhere',
    };
  }
  if (dashboard && isPublicPath(path)) return { ok: true };
  if (token !== undefined && request.headers.authorization !== undefined) {
    return bearerTokenMatches(request.headers.authorization, token) ? { ok: true } : unauthorized('wrong bearer token');
  }
  const session = sessions?.fromRequest(request);
  if (session !== undefined) {
    if (!safe && !csrfMatches(request, session)) {
      return { ok: false, status: 403, code: 'csrf', reason: 'missing or wrong CSRF token', error: 'A state-changing request needs the session\'s X-CSRF-Token header' };
    }
    return { ok: true };
  }
  if (token === undefined && !dashboard) return { ok: true };
  return unauthorized(token === undefined ? 'no dashboard session' : 'no Authorization header or session');
}

function unauthorized(reason: string): AccessDecision {
  return {
    ok: false,
    status: 401,
    code: 'unauthorized',
    reason,
    error: `A valid admin token is required (Authorization: Bearer <admin.token>, or a signed-in dashboard session)`,
    headers: { 'www-authenticate': 'Bearer realm="switchboard-admin"' },
  };
}
