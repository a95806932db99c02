import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { GENERATED_DOCS } from '../src/generated-docs.js';

it('generated reference docs are current (run `npm run docs` after changing the schema or errors)', async () => {
  for (const [path, render] of Object.entries(GENERATED_DOCS)) {
    const onDisk = await readFile(new URL(`../../${path}`, import.meta.url), 'utf8');
    assert.equal(onDisk, render(), `${path} is stale`);
  }
});
