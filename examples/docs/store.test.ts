import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as Y from 'yjs';
import { DocumentStore, MAX_DOCUMENT_BYTES, MAX_ROOMS } from './store.js';

function updateInserting(text: string, from = new Y.Doc()): Uint8Array {
  const before = Y.encodeStateVector(from);
  from.getText('text').insert(from.getText('text').length, text);
  return Y.encodeStateAsUpdate(from, before);
}

function textOf(state: Uint8Array): string {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc.getText('text').toJSON();
}

describe('docs example: the document store', () => {
  it('merges updates from several pages into one state, per room', () => {
    const store = new DocumentStore();
    const ana = new Y.Doc();
    assert.equal(store.apply('notes', updateInserting('Hello', ana)), 204);
    assert.equal(store.apply('notes', updateInserting(', world', ana)), 204);
    assert.equal(textOf(store.state('notes')), 'Hello, world');
    assert.equal(textOf(store.state('other')), '', 'a new room is empty');
  });

  it('refuses a malformed update (400) and keeps the document as it was', () => {
    const store = new DocumentStore();
    store.apply('notes', updateInserting('kept'));
    assert.equal(store.apply('notes', new Uint8Array([1, 2, 250, 255, 255, 255, 255, 7])), 400);
    assert.equal(textOf(store.state('notes')), 'kept');
  });

  it('refuses an update that would make the document larger than its limit (413)', () => {
    const store = new DocumentStore();
    assert.equal(store.apply('notes', updateInserting('x'.repeat(MAX_DOCUMENT_BYTES + 1))), 413);
    assert.equal(textOf(store.state('notes')), '');
  });

  it(`refuses a room past the first ${MAX_ROOMS} (503), and still serves the existing ones`, () => {
    const store = new DocumentStore();
    for (let room = 0; room < MAX_ROOMS; room += 1) assert.equal(store.apply(`room-${room}`, updateInserting('a')), 204);
    assert.equal(store.apply('one-too-many', updateInserting('a')), 503);
    assert.equal(store.apply('room-0', updateInserting('b')), 204);
  });
});
