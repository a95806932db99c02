/**
 * The dashboard page and its assets, as `npm run build` left them in dist/dashboard (esbuild;
 * nothing comes from elsewhere at run time). Only files found there at start are served, read
 * once into memory; each answer carries a Content-Security-Policy that allows this origin only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import type { Route } from '../../http/router.js';
import { sendAdminJson } from '../admin-listener.js';

/** dist/dashboard, from dist/src/admin/dashboard/static-routes.js. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface StaticFile {
  readonly type: string;
  readonly body: Buffer;
}

function load(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const add = (urlPath: string, path: string): void => {
    const type = TYPES[extname(path)];
    if (type !== undefined) files.set(urlPath, { type, body: readFileSync(path) });
  };
  try {
    add('/', join(dir, 'index.html'));
    for (const name of readdirSync(join(dir, 'assets'))) add(`/assets/${name}`, join(dir, 'assets', name));
  } catch {
    // Not built: the routes answer 404 with the hint.
  }
  return files;
}

function send(files: ReadonlyMap<string, StaticFile>, path: string, response: ServerResponse): void {
  const file = files.get(path);
  if (file === undefined) {
    sendAdminJson(response, 404, { error: path === '/' ? 'The dashboard is not built: run npm run build' : 'Not found', code: 'not_found' });
    return;
  }
  const cache = path === '/' ? 'no-cache' : 'public, max-age=3600';
  response.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length, 'cache-control': cache, ...SECURITY_HEADERS });
  response.end(file.body);
}

export function staticRoutes(dir: string = DASHBOARD_DIR): Route[] {
  const files = load(dir);
  return [
    { method: 'GET', path: '/', handler: (_request, response) => send(files, '/', response) },
    { method: 'GET', path: '/assets/:name', handler: (_request, response, params) => send(files, `/assets/${params['name'] ?? ''}`, response) },
  ];
}
