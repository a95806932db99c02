#!/usr/bin/env node
// Entry point of `npx switchboard` and `npm start`. The build normally runs on `npm ci`
// (the "prepare" script); if the compiled output is missing, build it once here.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = new URL('../dist/src/cli.js', import.meta.url);

if (!existsSync(cli)) {
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (build.status !== 0) {
    process.stderr.write('switchboard: the build failed; run `npm ci` in the checkout first\n');
    process.exit(1);
  }
}

const { main } = await import(cli.href);
await main(process.argv.slice(2));
