/**
 * Imports go one way. Every import in src/ (static, `export ... from`, dynamic) is checked against
 * the allowed-dependency table below, which is itself checked to have no cycle; src/ never
 * reaches outside itself (no test/helpers from unit tests, no bench/, no scripts/). A new folder
 * in src/ fails here until it has a row. See docs/architecture.md, "Layers".
 *
 * Unit tests (the `.test.ts` files in src/) need no running service: nothing they load at run time, directly
 * or through the modules they import, loads a Redis, NATS or SQL client. Tests that need one
 * live in test/.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(REPO_ROOT, 'src');

/**
 * Each layer and the layers it may import (its own files always). `root` is the files directly in
 * src/ (server.ts: the composition root, the command line, workers, the package's index), which
 * may import every layer and which no layer imports.
 */
const ALLOWED = {
  shared: [],
  protocol: ['shared'],
  config: ['shared', 'protocol'],
  cluster: ['shared', 'protocol', 'config'],
  apps: ['shared', 'protocol', 'config', 'cluster'],
  core: ['shared', 'protocol', 'config', 'cluster', 'apps'],
  webhooks: ['shared', 'protocol', 'config', 'apps', 'core'],
  http: ['shared', 'protocol', 'config'],
  transports: ['shared', 'protocol', 'config', 'cluster', 'core', 'http'],
  api: ['shared', 'protocol', 'config', 'cluster', 'apps', 'core', 'http'],
  observe: ['shared', 'protocol', 'cluster', 'core', 'http', 'webhooks'],
  storage: ['shared', 'config'],
  push: ['shared', 'protocol', 'config', 'cluster', 'apps', 'webhooks', 'http', 'storage'],
  chat: ['shared', 'protocol', 'config', 'cluster', 'apps', 'core', 'http', 'api', 'storage'],
  'chat-client': [],
  admin: ['shared', 'protocol', 'config', 'cluster', 'apps', 'core', 'webhooks', 'http', 'api', 'observe'],
  root: ['shared', 'protocol', 'config', 'cluster', 'apps', 'core', 'webhooks', 'http', 'transports', 'api', 'observe', 'admin', 'storage', 'push', 'chat', 'chat-client'],
} as const satisfies Record<string, readonly string[]>;

type Layer = keyof typeof ALLOWED;

function isLayer(name: string): name is Layer {
  return Object.hasOwn(ALLOWED, name);
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts')).map((entry) => join(entry.parentPath, entry.name));
}

/** The layer of a file in src/: its first folder, or `root`; undefined outside src/. */
function layerOf(file: string): string | undefined {
  const path = relative(SRC, file);
  if (path.startsWith('..')) return undefined;
  const parts = path.split(sep);
  return parts.length === 1 ? 'root' : parts[0];
}

interface Import {
  readonly from: string;
  readonly specifier: string;
  /** The imported file, for relative specifiers. */
  readonly target: string | undefined;
}

async function importsOf(file: string): Promise<Import[]> {
  const text = await readFile(file, 'utf8');
  // Every module name the file refers to: imports, re-exports, dynamic imports, `import type`.
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles.map(({ fileName }) => ({
    from: file,
    specifier: fileName,
    target: fileName.startsWith('.') ? resolve(dirname(file), fileName) : undefined,
  }));
}

/** Client packages of the services the black-box tests use (Redis, NATS, PostgreSQL, MariaDB). */
const SERVICE_CLIENTS = /^(ioredis|bullmq|pg|mysql2|@nats-io\/[a-z-]+)(\/|$)/;

/** Modules a file loads at run time: every import but `import type` and `export type ... from`. */
function runtimeImports(file: string, text: string): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest);
  const typeOnly = new Set<string>();
  const runtime = new Set<string>();
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue;
    const specifier = statement.moduleSpecifier;
    if (specifier === undefined || !ts.isStringLiteral(specifier)) continue;
    const isType = ts.isImportDeclaration(statement) ? statement.importClause?.phaseModifier === ts.SyntaxKind.TypeKeyword : statement.isTypeOnly;
    (isType ? typeOnly : runtime).add(specifier.text);
  }
  // Dynamic imports (and anything the declarations above missed) count as run time.
  for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) if (!typeOnly.has(fileName)) runtime.add(fileName);
  return [...runtime].map((specifier) => ({
    from: file,
    specifier,
    target: specifier.startsWith('.') ? resolve(dirname(file), specifier) : undefined,
  }));
}

describe('imports', () => {
  it('the allowed-dependency table has no cycle', () => {
    const done = new Set<string>();
    const visit = (layer: Layer, path: readonly string[]): void => {
      assert.ok(!path.includes(layer), `cycle: ${[...path, layer].join(' -> ')}`);
      if (done.has(layer)) return;
      for (const next of ALLOWED[layer]) visit(next, [...path, layer]);
      done.add(layer);
    };
    for (const layer of Object.keys(ALLOWED)) if (isLayer(layer)) visit(layer, []);
  });

  it('every import in src/ stays in src/ and follows the table', async () => {
    const files = await sourceFiles(SRC);
    assert.ok(files.length > 100, `found the sources (${String(files.length)} files in ${SRC})`);
    const violations: string[] = [];
    let checked = 0;
    for (const file of files) {
      const from = layerOf(file) ?? 'outside';
      if (!isLayer(from)) {
        violations.push(`${relative(REPO_ROOT, file)}: folder src/${from} has no row in the table (test/imports.test.ts)`);
        continue;
      }
      for (const entry of await importsOf(file)) {
        if (entry.target === undefined) continue;
        checked += 1;
        const to = layerOf(entry.target);
        const where = `${relative(REPO_ROOT, file)} imports ${entry.specifier}`;
        if (to === undefined) violations.push(`${where}: outside src/ (${relative(REPO_ROOT, entry.target)})`);
        else if (to !== from && !(ALLOWED[from] as readonly string[]).includes(to)) violations.push(`${where}: ${from} may not import ${to}`);
      }
    }
    assert.ok(checked > 500, `checked the imports (${String(checked)})`);
    assert.deepEqual(violations, []);
  });

  it('unit tests in src/ load no Redis, NATS or SQL client', async () => {
    const files = await sourceFiles(SRC);
    const tests = files.filter((file) => file.endsWith('.test.ts'));
    assert.ok(tests.length > 20, `found the unit tests (${String(tests.length)})`);
    const texts = new Map(await Promise.all(files.map(async (file) => [file, await readFile(file, 'utf8')] as const)));
    const violations: string[] = [];
    for (const test of tests) {
      // Walk what the test loads at run time; the compiled `.js` specifiers name `.ts` sources.
      const seen = new Set<string>();
      const pending = [test];
      for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
        if (seen.has(file)) continue;
        seen.add(file);
        const text = texts.get(file);
        if (text === undefined) continue;
        for (const entry of runtimeImports(file, text)) {
          if (entry.target !== undefined) pending.push(entry.target.replace(/\.js$/, '.ts'));
          else if (SERVICE_CLIENTS.test(entry.specifier)) violations.push(`${relative(REPO_ROOT, test)} loads ${entry.specifier} (through ${relative(REPO_ROOT, file)}): move it to test/`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });
});
