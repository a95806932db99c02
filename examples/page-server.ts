/**
 * Serves one example on its own origin: its pages, their bundled scripts, `/config.json` (where
 * Switchboard is), the auth endpoint `/pusher/auth`, and the example's own backend routes.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AuthRequestError, type ChannelAuthorizer } from './auth.js';
import type { Bundles } from './bundle.js';
import type { BackendRoutes, ExampleDefinition } from './definition.js';
import { BodyTooLargeError, readBody, send, sendJson, sendText } from './http-helpers.js';

/** pusher-js auth requests are a few hundred bytes of form fields. */
const MAX_AUTH_BODY_BYTES = 4_096;
/** Every request, body included, is answered or dropped within this. */
const REQUEST_TIMEOUT_MS = 10_000;

export interface PageServerOptions {
  readonly example: ExampleDefinition;
  /** examples/<name>/page */
  readonly pageDir: string;
  readonly bundles: Bundles;
  /** Served as /config.json to the pages (Switchboard is on the pages' host, on this port). */
  readonly config: { readonly key: string; readonly port: number };
  readonly authorizer: ChannelAuthorizer;
  readonly backend: BackendRoutes | undefined;
}

export interface PageServer {
  readonly origin: string;
  close(): Promise<void>;
}

async function serveAuth(request: IncomingMessage, response: ServerResponse, authorizer: ChannelAuthorizer): Promise<void> {
  try {
    const form = new URLSearchParams((await readBody(request, MAX_AUTH_BODY_BYTES)).toString('utf8'));
    sendJson(response, 200, authorizer.authorize(form));
  } catch (error) {
    if (error instanceof AuthRequestError) sendText(response, error.status, error.message);
    else if (error instanceof BodyTooLargeError) sendText(response, 413, error.message);
    else throw error;
  }
}

async function servePage(response: ServerResponse, options: PageServerOptions, path: string): Promise<void> {
  const stem = /^\/([a-z-]+)\.html$/.exec(path)?.[1];
  const bundle = /^\/assets\/([a-z-]+\.js)$/.exec(path)?.[1];
  if (stem !== undefined && options.example.pages.some((page) => page.page === stem)) {
    send(response, 200, 'text/html; charset=utf-8', await readFile(join(options.pageDir, `${stem}.html`)));
  } else if (bundle !== undefined && options.bundles.has(bundle)) {
    send(response, 200, 'text/javascript; charset=utf-8', options.bundles.get(bundle) ?? '');
  } else if (path === '/style.css') {
    send(response, 200, 'text/css; charset=utf-8', await readFile(join(options.pageDir, '..', '..', 'shared', 'page', 'style.css')));
  } else if (path === '/') {
    const links = options.example.pages.map((page) => `<li><a href="/${page.page}.html">${page.role}</a></li>`).join('');
    send(response, 200, 'text/html; charset=utf-8', `<!doctype html><meta charset="utf-8"><title>${options.example.title}</title><h1>${options.example.title}</h1><ul>${links}</ul>`);
  } else {
    sendText(response, 404, 'not found');
  }
}

export async function startPageServer(options: PageServerOptions, host: string, port: number): Promise<PageServer> {
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/config.json') return sendJson(response, 200, options.config);
    if (url.pathname === '/pusher/auth' && request.method === 'POST') return serveAuth(request, response, options.authorizer);
    if (options.backend !== undefined && (await options.backend(request, response, url))) return;
    if (request.method !== 'GET') return sendText(response, 405, 'method not allowed');
    return servePage(response, options, url.pathname);
  };
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendText(response, 500, error instanceof Error ? error.message : 'internal error');
      else response.destroy();
    });
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
