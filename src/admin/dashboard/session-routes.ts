/**
 * The dashboard's sign-in:
 *
 *   GET    /session   200 {"signedIn", "tokenRequired", "csrf"?}   (without admin.token: signs in at once)
 *   POST   /session   200 {"csrf"} + the session cookie            body {"token"}; 401 wrong_token, 429 too_many_attempts
 *   DELETE /session   204, the cookie cleared                      (needs the X-CSRF-Token)
 *
 * Sign-in attempts are bounded to SIGNIN_ATTEMPTS a minute for the whole listener, so a token
 * cannot be guessed at speed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TokenBucket } from '../../shared/token-bucket.js';
import { BodyTooLargeError, readBody } from '../../http/read-body.js';
import type { Route } from '../../http/router.js';
import { sendAdminJson } from '../admin-listener.js';
import { tokenMatches } from '../bearer-token.js';
import { csrfMatches, SessionStore } from './session-store.js';

const SIGNIN_ATTEMPTS = 20;
const MAX_BODY_BYTES = 4 * 1024;

/** The body as a JSON object, or undefined (answered 400 by the caller). */
export async function readJsonObject(request: IncomingMessage, maxBytes: number): Promise<Record<string, unknown> | undefined> {
  let body: Buffer;
  try {
    body = await readBody(request, maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return undefined;
    throw error;
  }
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function sessionRoutes(sessions: SessionStore, token: string | undefined, now: () => number): Route[] {
  const attempts = new TokenBucket(SIGNIN_ATTEMPTS, 60_000, now);
  const signedIn = (response: ServerResponse, csrf: string, cookie?: string): void =>
    sendAdminJson(response, 200, { signedIn: true, tokenRequired: token !== undefined, csrf }, cookie === undefined ? {} : { 'set-cookie': cookie });
  return [
    {
      method: 'GET',
      path: '/session',
      handler: (request, response) => {
        const session = sessions.fromRequest(request);
        if (session !== undefined) return signedIn(response, session.csrf);
        if (token !== undefined) return sendAdminJson(response, 200, { signedIn: false, tokenRequired: true });
        // No token: the loopback host check (admin-access.ts) is the gate; the session carries the CSRF token.
        const created = sessions.create();
        signedIn(response, created.csrf, SessionStore.cookieFor(created));
      },
    },
    {
      method: 'POST',
      path: '/session',
      handler: async (request, response) => {
        const body = await readJsonObject(request, MAX_BODY_BYTES);
        const offered = body?.['token'];
        if (typeof offered !== 'string') return sendAdminJson(response, 400, { error: 'The body must be {"token": "<admin.token>"}', code: 'invalid_body' });
        if (!attempts.take()) {
          return sendAdminJson(response, 429, { error: 'Too many sign-in attempts; wait a minute', code: 'too_many_attempts' }, { 'retry-after': '60' });
        }
        if (token !== undefined && !tokenMatches(offered, token)) return sendAdminJson(response, 401, { error: 'Wrong admin token', code: 'wrong_token' });
        const session = sessions.create();
        signedIn(response, session.csrf, SessionStore.cookieFor(session));
      },
    },
    {
      method: 'DELETE',
      path: '/session',
      handler: (request, response) => {
        const session = sessions.fromRequest(request);
        if (session !== undefined && !csrfMatches(request, session)) {
          return sendAdminJson(response, 403, { error: 'Signing out needs the session\'s X-CSRF-Token header', code: 'csrf' });
        }
        if (session !== undefined) sessions.delete(session);
        response.writeHead(204, { 'set-cookie': SessionStore.clearingCookie() }).end();
      },
    },
  ];
}
