/** What the runner needs to know about an example; each examples/<name>/example.ts exports one. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ExamplePage {
  /** Who opens it (printed beside its address): "display", "phone", "player"... */
  readonly role: string;
  /** examples/<name>/page/<page>.html, with its script examples/<name>/page/<page>.ts. */
  readonly page: string;
}

/**
 * The example's own backend routes, beside the shared auth endpoint. Answers and returns true for
 * a request it serves, false to leave it to the page server (a 404).
 */
export type BackendRoutes = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean>;

export interface ExampleDefinition {
  readonly name: string;
  readonly title: string;
  readonly pages: readonly ExamplePage[];
  /** Makes a fresh backend for one run of the example. */
  readonly backend?: () => BackendRoutes;
}
