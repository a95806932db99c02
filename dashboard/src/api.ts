/**
 * The page's only way to the server: same-origin requests to the admin listener. The session
 * cookie travels by itself (HttpOnly: this script never sees it); the CSRF token from
 * `GET /session` goes in `X-CSRF-Token` on every state-changing request.
 */
import type { ChannelView } from '../../src/admin/dashboard/dashboard-routes.js';
import type { Overview } from '../../src/admin/dashboard/overview.js';

export type { ChannelView, Overview };
export type { AppOverview, NodeOverview } from '../../src/admin/dashboard/overview.js';
export type { DebugRecord, DebugEntryKind } from '../../src/core/debug-tap.js';

export interface SessionState {
  readonly signedIn: boolean;
  readonly tokenRequired: boolean;
  readonly csrf?: string;
}

/** The server said 401: the session is gone (expired, signed out, server restarted). */
export class SignedOutError extends Error {}

/** Any other refusal, with the server's message. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let csrf = '';

async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = {};
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (response.status === 401 && path !== '/session') throw new SignedOutError('signed out');
  if (response.status === 204) return undefined;
  const parsed: unknown = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = typeof parsed === 'object' && parsed !== null && 'error' in parsed ? String(parsed.error) : `HTTP ${response.status}`;
    throw new RequestError(response.status, message);
  }
  return parsed;
}

function remember(state: SessionState): SessionState {
  csrf = state.csrf ?? '';
  return state;
}

export async function readSession(): Promise<SessionState> {
  return remember((await call('GET', '/session')) as SessionState);
}

export async function signIn(token: string): Promise<SessionState> {
  return remember((await call('POST', '/session', { token })) as SessionState);
}

export async function signOut(): Promise<void> {
  await call('DELETE', '/session');
  csrf = '';
}

export const getOverview = (): Promise<Overview> => call('GET', '/dashboard/api/overview') as Promise<Overview>;

export const getChannels = async (appId: string): Promise<readonly ChannelView[]> =>
  ((await call('GET', `/dashboard/api/apps/${encodeURIComponent(appId)}/channels`)) as { channels: ChannelView[] }).channels;

export const sendEvent = (appId: string, event: { channel: string; event: string; data: string }): Promise<unknown> =>
  call('POST', `/dashboard/api/apps/${encodeURIComponent(appId)}/events`, event);

/** An app as the admin API shows it (no secret). */
export interface AdminApp {
  readonly id: string;
  readonly key: string;
  readonly name?: string;
  readonly enabled: boolean;
}

export const listApps = async (): Promise<readonly AdminApp[]> => ((await call('GET', '/api/apps')) as { apps: AdminApp[] }).apps;
export const createApp = async (input: { name?: string }): Promise<AdminApp & { secret: string }> =>
  ((await call('POST', '/api/apps', input)) as { app: AdminApp & { secret: string } }).app;
export const updateApp = (id: string, patch: Record<string, unknown>): Promise<unknown> => call('PATCH', `/api/apps/${encodeURIComponent(id)}`, patch);
export const rotateSecret = async (id: string): Promise<string> =>
  ((await call('POST', `/api/apps/${encodeURIComponent(id)}/secret`, {})) as { secret: string }).secret;

/** The console stream's URL for these filters (empty ones left out). */
export function consoleUrl(appId: string, filter: { channel: string; socket: string; kinds: readonly string[] }): string {
  const query = new URLSearchParams();
  if (filter.channel !== '') query.set('channel', filter.channel);
  if (filter.socket !== '') query.set('socket', filter.socket);
  if (filter.kinds.length > 0) query.set('kinds', filter.kinds.join(','));
  const search = query.toString();
  return `/dashboard/api/apps/${encodeURIComponent(appId)}/console${search === '' ? '' : `?${search}`}`;
}
