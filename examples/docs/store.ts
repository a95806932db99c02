/**
 * The docs example's backend keeps each room's document, so that a late joiner, a reload, and
 * someone opening the room after everyone left all start from the whole text. Pages post every
 * update they make (Yjs binary updates) and read the whole state when they open; peers exchange the
 * same updates live as client events. In memory, for the example: a real backend would store the
 * state (or its updates) in its database.
 *
 * GET /documents/<room>   the document's state as one Yjs update (application/octet-stream)
 * POST /documents/<room>  a Yjs update to merge in; 204, 400 (not an update), 413 (over the sizes)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as Y from 'yjs';
import type { BackendRoutes } from '../definition.js';
import { BodyTooLargeError, readBody, send, sendText } from '../http-helpers.js';

/** A pasted page of text is a few kilobytes; this leaves room for a long document. */
export const MAX_UPDATE_BYTES = 512 * 1024;
/** Past this, a room's document refuses more text (413). */
export const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;
export const MAX_ROOMS = 100;

const ROOM_PATH = /^\/documents\/([A-Za-z0-9_-]{1,40})$/;

export class DocumentStore {
  readonly #rooms = new Map<string, Y.Doc>();

  /** The room's state as one update (an empty document's when the room is new). */
  state(room: string): Uint8Array {
    const doc = this.#rooms.get(room);
    return doc === undefined ? Y.encodeStateAsUpdate(new Y.Doc()) : Y.encodeStateAsUpdate(doc);
  }

  /** Merges `update` in; returns the HTTP status for the page. */
  apply(room: string, update: Uint8Array): 204 | 400 | 413 | 503 {
    let doc = this.#rooms.get(room);
    if (doc === undefined) {
      if (this.#rooms.size >= MAX_ROOMS) return 503;
      doc = new Y.Doc();
    }
    // Checked on a copy first: a malformed update must leave the stored document as it was.
    const merged = new Y.Doc();
    try {
      Y.applyUpdate(merged, Y.encodeStateAsUpdate(doc));
      Y.applyUpdate(merged, update);
    } catch {
      return 400;
    }
    if (Y.encodeStateAsUpdate(merged).length > MAX_DOCUMENT_BYTES) return 413;
    this.#rooms.set(room, merged);
    return 204;
  }
}

export function documentRoutes(store = new DocumentStore()): BackendRoutes {
  return async (request: IncomingMessage, response: ServerResponse, url: URL) => {
    const room = ROOM_PATH.exec(url.pathname)?.[1];
    if (room === undefined) return false;
    if (request.method === 'GET') {
      send(response, 200, 'application/octet-stream', store.state(room));
    } else if (request.method === 'POST') {
      try {
        const status = store.apply(room, await readBody(request, MAX_UPDATE_BYTES));
        if (status === 204) response.writeHead(204).end();
        else sendText(response, status, status === 400 ? 'not a Yjs update' : status === 413 ? 'the document is full' : 'too many rooms');
      } catch (error) {
        if (!(error instanceof BodyTooLargeError)) throw error;
        sendText(response, 413, error.message);
      }
    } else {
      sendText(response, 405, 'method not allowed');
    }
    return true;
  };
}
