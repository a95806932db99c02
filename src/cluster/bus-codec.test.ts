/** The publication wire: version 2 carries the client frame as is; version 1 (0.1 nodes) is still read. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawJson } from '../protocol/raw-json.js';
import type { Publication } from './broker.js';
import { decodePublication, encodePublication } from './bus-codec.js';
import { publicationFrame } from './publication-frame.js';

const sent: Publication = {
  appId: 'app',
  channel: 'presence-a\nb',
  event: 'client-é',
  data: new RawJson('{ "t":"ü ✓\\n", "d":[[1]] }'),
  userId: 'alice',
  exceptSocketId: '1.2',
};

describe('publication wire', () => {
  it('carries the frame the publishing node encoded, and the routing fields', () => {
    const decoded = decodePublication('node-b', encodePublication('node-a', sent));
    assert.deepEqual(decoded, { appId: 'app', channel: 'presence-a\nb', event: 'client-é', exceptSocketId: '1.2', frame: publicationFrame(sent) });
  });

  it("ignores the node's own publications and unknown versions", () => {
    assert.equal(decodePublication('node-a', encodePublication('node-a', sent)), undefined);
    assert.equal(decodePublication('node-b', `{"v":3,"n":"node-a","a":"app","c":"c","e":"e"}\n{}`), undefined);
    assert.equal(decodePublication('node-b', 'not json'), undefined);
  });

  it('reads a version 1 publication (a 0.1 node) into the same frame', () => {
    const v1 = `{"v":1,"n":"node-a","a":"app","c":"presence-a\\nb","e":"client-é","u":"alice","x":"1.2","d":{ "t":"ü ✓\\n", "d":[[1]] }}`;
    assert.deepEqual(decodePublication('node-b', v1), { appId: 'app', channel: 'presence-a\nb', event: 'client-é', exceptSocketId: '1.2', frame: publicationFrame(sent) });
  });
});
