import type { ExampleDefinition } from '../definition.js';

export const soundboard: ExampleDefinition = {
  name: 'soundboard',
  title: 'Shared soundboard',
  pages: [{ role: 'player', page: 'soundboard' }],
};
