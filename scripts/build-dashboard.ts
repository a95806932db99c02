/**
 * Builds the dashboard (dashboard/) into dist/dashboard with esbuild: one JavaScript bundle with
 * preact inside, the stylesheet and the page. Part of `npm run build`; nothing is fetched at run
 * time, so the dashboard works on a server without internet.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The repository, from dist/scripts/build-dashboard.js. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const source = join(REPO_ROOT, 'dashboard');
const target = join(REPO_ROOT, 'dist', 'dashboard');

await mkdir(join(target, 'assets'), { recursive: true });
await build({
  entryPoints: [join(source, 'src', 'main.tsx')],
  outfile: join(target, 'assets', 'app.js'),
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
await copyFile(join(source, 'app.css'), join(target, 'assets', 'app.css'));
await copyFile(join(source, 'index.html'), join(target, 'index.html'));
