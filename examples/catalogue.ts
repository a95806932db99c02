/** The examples the runner knows, in the order its help lists them. */
import { controller } from './controller/example.js';
import { docs } from './docs/example.js';
import type { ExampleDefinition } from './definition.js';
import { soundboard } from './soundboard/example.js';

export const EXAMPLES: readonly ExampleDefinition[] = [controller, soundboard, docs];

export function exampleNamed(name: string): ExampleDefinition {
  const example = EXAMPLES.find((candidate) => candidate.name === name);
  if (example === undefined) throw new Error(`no example named "${name}"`);
  return example;
}
