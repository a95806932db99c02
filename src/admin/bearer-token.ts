/**
 * The admin listener's bearer token check. Both sides are hashed to a fixed length before a
 * constant-time compare, so neither the token's content nor its length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** True when `offered` is the token, compared in constant time (the dashboard's sign-in). */
export function tokenMatches(offered: string, token: string): boolean {
  return timingSafeEqual(digest(offered), digest(token));
}

/** True when `authorization` is exactly `Bearer <token>` (scheme case-insensitive). */
export function bearerTokenMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/i.exec(authorization ?? '');
  const offered = match?.[1] ?? '';
  // Compared even when the header is missing or malformed, so those cost the same time.
  const equal = timingSafeEqual(digest(offered), digest(token));
  return equal && match !== null;
}
