import type { ExampleDefinition } from '../definition.js';
import { documentRoutes } from './store.js';

export const docs: ExampleDefinition = {
  name: 'docs',
  title: 'Shared document',
  pages: [{ role: 'editor', page: 'editor' }],
  backend: () => documentRoutes(),
};
