/**
 * Bundles an example's page scripts with esbuild from the project's own dependencies (pusher-js,
 * yjs, y-protocols): no CDN, nothing fetched. Built once when the example starts, kept in memory.
 */
import { build } from 'esbuild';
import { join } from 'node:path';

/** `name.js` → its bundled code. */
export type Bundles = ReadonlyMap<string, Uint8Array>;

/** Bundles `<dir>/<page>.ts` for each page into `<page>.js`. */
export async function bundlePages(dir: string, pages: readonly string[]): Promise<Bundles> {
  const result = await build({
    entryPoints: Object.fromEntries(pages.map((page) => [page, join(dir, `${page}.ts`)])),
    bundle: true,
    write: false,
    outdir: '/',
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  return new Map(result.outputFiles.map((file) => [file.path.slice(1), file.contents]));
}
