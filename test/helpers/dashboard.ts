/** The dashboard over plain HTTP: sign-in, JSON calls and a console stream read as it arrives. */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { DebugRecord } from '../../src/core/debug-tap.js';
import { Waiters } from './wait.js';

export interface DashboardSession {
  readonly cookie: string;
  readonly csrf: string;
}

export async function signIn(base: string, token: string): Promise<DashboardSession> {
  const response = await fetch(`${base}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  if (response.status !== 200) throw new Error(`sign-in answered ${response.status}`);
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const { csrf } = (await response.json()) as { csrf: string };
  return { cookie, csrf };
}

export interface ConsoleReader {
  readonly records: DebugRecord[];
  /** The last `dropped` count the server reported. */
  dropped: number;
  /** Resolves once a record satisfying `match` has arrived (at once if one has). */
  until(match: (record: DebugRecord) => boolean): Promise<DebugRecord>;
  close(): void;
}

/** Opens `/dashboard/api/apps/{appId}/console` and resolves once the server said `ready`. */
export function openConsole(base: string, appId: string, headers: Record<string, string>, query = ''): Promise<ConsoleReader> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${base}/dashboard/api/apps/${appId}/console${query}`, { headers });
    request.on('error', reject);
    request.on('response', (response: IncomingMessage) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`console answered ${response.statusCode ?? 0}`));
        return;
      }
      const waiters = new Waiters();
      const reader: ConsoleReader = {
        records: [],
        dropped: 0,
        until: async (match) => {
          await waiters.until(() => reader.records.some(match));
          const found = reader.records.find(match);
          if (found === undefined) throw new Error('unreachable');
          return found;
        },
        close: () => request.destroy(),
      };
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data === undefined) continue;
          if (event === 'ready') resolve(reader);
          else if (event === 'dropped') reader.dropped = (JSON.parse(data) as { dropped: number }).dropped;
          else reader.records.push(JSON.parse(data) as DebugRecord);
          waiters.notify();
        }
      });
    });
    request.end();
  });
}

/** A raw request with any headers (fetch will not set Host). */
export function rawRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}
