import type { ExampleDefinition } from '../definition.js';

export const controller: ExampleDefinition = {
  name: 'controller',
  title: 'Phone as a game controller',
  pages: [
    { role: 'display', page: 'display' },
    { role: 'phone', page: 'phone' },
  ],
};
