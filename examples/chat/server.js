/**
 * The chat example's app backend: a minimal app server in front of Switchboard. It creates two
 * users and a room through Switchboard's backend API (the `pusher` SDK's post), serves the page,
 * the chat client SDK and pusher-js, and mints user tokens for the page.
 *
 * DEMO ONLY: `/token?user=...` hands a token to anyone who asks. A real app authenticates its
 * user first (session, OAuth, ...) and mints a token for that user only.
 *
 *   SWITCHBOARD_URL=http://127.0.0.1:6001 APP_ID=app-id APP_KEY=app-key APP_SECRET=app-secret node examples/chat/server.js
 *
 * Switchboard needs the app with chat on: `"apps": [{ "id": ..., "key": ..., "secret": ..., "chat": {} }]`.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
// In an app: import { createChatToken } from 'switchboard/chat';
import { createChatToken } from '../../dist/src/chat/index.js';

const require = createRequire(import.meta.url);
const Pusher = require('pusher');
const here = (path) => fileURLToPath(new URL(path, import.meta.url));

const FILES = {
  '/': { file: here('./index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: here('./app.js'), type: 'text/javascript' },
  '/pusher.js': { file: here('../../node_modules/pusher-js/dist/web/pusher.js'), type: 'text/javascript' },
};

/** Seeds the demo users and room (existing ones are kept), then serves the example; resolves with its URL. */
export async function startExample({ switchboardUrl, appId, key, secret, port = 3000, host = '127.0.0.1' }) {
  const target = new URL(switchboardUrl);
  const sdk = new Pusher({ appId, key, secret, host: target.hostname, port: target.port, useTLS: target.protocol === 'https:' });
  for (const [id, name] of [['alice', 'Alice'], ['bob', 'Bob']]) {
    await sdk.post({ path: '/chat/users', body: { id, name } }).catch((error) => ignoreConflict(error));
  }
  await sdk.post({ path: '/chat/rooms', body: { id: 'lobby', name: 'Lobby', creator_id: 'alice', user_ids: ['bob'] } }).catch((error) => ignoreConflict(error));

  const server = createServer((request, response) => {
    void serve(request, response, { switchboardUrl, appId, key, secret }).catch(() => response.writeHead(500).end());
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  const url = `http://${host}:${server.address().port}`;
  return { url, close: () => new Promise((resolve) => server.close(resolve)) };
}

function ignoreConflict(error) {
  if (error.status !== 409) throw error;
}

async function serve(request, response, settings) {
  const url = new URL(request.url ?? '/', 'http://example');
  if (url.pathname === '/config.json') {
    const { switchboardUrl, appId, key } = settings;
    return json(response, { url: switchboardUrl, appId, key });
  }
  if (url.pathname === '/token') {
    const user = url.searchParams.get('user') ?? '';
    if (!['alice', 'bob'].includes(user)) return json(response, { error: 'unknown user' }, 403);
    return json(response, { token: createChatToken({ appId: settings.appId, secret: settings.secret, userId: user, ttlSeconds: 600 }) });
  }
  if (url.pathname.startsWith('/sdk/') && /^\/sdk\/[a-z-]+\.js$/.test(url.pathname)) {
    const body = await readFile(here(`../../dist/src/chat-client/${url.pathname.slice('/sdk/'.length)}`));
    return response.writeHead(200, { 'content-type': 'text/javascript' }).end(body);
  }
  const entry = FILES[url.pathname];
  if (entry === undefined) return response.writeHead(404).end();
  response.writeHead(200, { 'content-type': entry.type }).end(await readFile(entry.file));
}

function json(response, body, status = 200) {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = process.env;
  const example = await startExample({
    switchboardUrl: env.SWITCHBOARD_URL ?? 'http://127.0.0.1:6001',
    appId: env.APP_ID ?? 'app-id',
    key: env.APP_KEY ?? 'app-key',
    secret: env.APP_SECRET ?? 'app-secret',
    port: Number(env.PORT ?? 3000),
  });
  console.log(`chat example on ${example.url}/?user=alice and ${example.url}/?user=bob`);
}
