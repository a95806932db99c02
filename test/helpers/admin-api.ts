/** Calls to the admin listener's apps API, as an operator's script would make them. */
import type { Switchboard } from '../../src/server.js';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

export interface AdminAnswer {
  readonly status: number;
  /** The parsed JSON body; undefined when there is none (204). */
  readonly body: Record<string, unknown> | undefined;
  readonly text: string;
}

/** One request to `server`'s admin listener; `body` is sent as JSON (a string as is); `token` null sends none. */
export async function adminRequest(
  server: Switchboard,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = ADMIN_TOKEN,
): Promise<AdminAnswer> {
  const address = server.adminAddress;
  if (address === undefined) throw new Error('no admin listener');
  const headers: Record<string, string> = {};
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`http://127.0.0.1:${address.port}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>), text };
}

/** The `app` of a 200/201 answer. */
export function appOf(answer: AdminAnswer): Record<string, unknown> {
  const app = answer.body?.['app'];
  if (typeof app !== 'object' || app === null) throw new Error(`no app in ${answer.status} ${answer.text}`);
  return app as Record<string, unknown>;
}
