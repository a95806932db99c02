import type { ExampleDefinition } from '../definition.js';

export const docs: ExampleDefinition = {
  name: 'docs',
  title: 'Shared document',
  pages: [{ role: 'editor', page: 'editor' }],
};
