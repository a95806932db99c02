/**
 * `npm run example -- <name>` (examples/cli.ts): starts Switchboard and the example's pages, prints one address per
 * role, serves the pages, their bundled scripts, /config.json and the auth endpoint; stops on
 * SIGINT. Unknown examples are a usage error (exit 2).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { REPO_ROOT, runCli } from './helpers/cli.js';

describe('npm run example', () => {
  it('prints the address of each role and serves the pages, their scripts and the auth endpoint until SIGINT', async () => {
    const child = spawn('node', ['dist/examples/cli.js', 'controller', '--port', '0', '--page-port', '0', '--room', 'den'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    const lines: string[] = [];
    for await (const line of createInterface({ input: child.stdout })) {
      lines.push(line);
      if (line.startsWith('Open each address')) break;
    }
    const urls = new Map<string, string>();
    for (const line of lines) {
      const [, role, url] = /^\s+(\w+)\s+(http:\S+)$/.exec(line) ?? [];
      if (role !== undefined && url !== undefined) urls.set(role, url);
    }
    assert.deepEqual([...urls.keys()], ['display', 'phone'], lines.join('\n'));
    const display = new URL(urls.get('display') ?? '');
    assert.equal(display.pathname, '/display.html');
    assert.equal(display.searchParams.get('room'), 'den');

    const page = await fetch(display);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script type="module" src="\/assets\/display.js">/);
    const script = await fetch(new URL('/assets/display.js', display));
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(await script.text(), /pusher/i, 'pusher-js is bundled in');
    const config = (await (await fetch(new URL('/config.json', display))).json()) as { key: string; port: number };
    assert.equal(config.key, 'app-key');
    assert.match(lines[0] ?? '', new RegExp(`Switchboard on port ${config.port} `));
    const auth = await fetch(new URL('/pusher/auth', display), { method: 'POST', body: new URLSearchParams({ socket_id: '1.1', channel_name: 'private-controller-den' }) });
    assert.equal(auth.status, 200);
    assert.match(((await auth.json()) as { auth: string }).auth, /^app-key:[0-9a-f]{64}$/);
    assert.equal((await fetch(new URL('/pusher/auth', display), { method: 'POST', body: 'socket_id=bad' })).status, 400);
    assert.equal((await fetch(new URL('/nothing.html', display))).status, 404);

    child.kill('SIGINT');
    assert.deepEqual(await exited, [0, null]);
  });

  it('refuses an unknown example with the list of examples (exit 2)', async () => {
    const result = await runCli(['chess'], {}, 'dist/examples/cli.js');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /name one example: controller, soundboard, docs/);
  });
});
