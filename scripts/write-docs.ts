/** Writes the generated reference docs: `npm run docs`. test/docs.test.ts checks they are current. */
import { writeFile } from 'node:fs/promises';
import { GENERATED_DOCS } from '../src/generated-docs.js';

for (const [path, render] of Object.entries(GENERATED_DOCS)) {
  await writeFile(new URL(`../../${path}`, import.meta.url), render());
  process.stdout.write(`wrote ${path}\n`);
}
