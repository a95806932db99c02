/**
 * The per-app origin allow-list. A browser always sends Origin on WebSocket upgrades and CORS
 * requests; a request without one comes from a non-browser client, which could send any Origin
 * it likes, so the list cannot stop it and it is let through. The list stops other websites'
 * pages from using an app's key.
 */
import type { App } from '../apps/app-store.js';

function matches(pattern: string, origin: string): boolean {
  if (pattern === '*') return true;
  const wildcard = pattern.indexOf('://*.');
  if (wildcard === -1) return pattern.toLowerCase() === origin.toLowerCase();
  const scheme = pattern.slice(0, wildcard + 3).toLowerCase();
  const suffix = pattern.slice(wildcard + 4).toLowerCase();
  const candidate = origin.toLowerCase();
  if (!candidate.startsWith(scheme)) return false;
  const host = candidate.slice(scheme.length);
  return host.endsWith(suffix) && host.length > suffix.length;
}

export function originAllowed(app: App, origin: string | undefined): boolean {
  if (app.allowedOrigins === undefined || origin === undefined) return true;
  return app.allowedOrigins.some((pattern) => matches(pattern, origin));
}
