/**
 * The fuzz driver frames every HTTP body it sends (docs/fuzzing.md): node's client sends a body on
 * GET, DELETE or OPTIONS with neither Content-Length nor chunking, the server reads those bytes as
 * a next request, and node's client then keeps every such request reachable (the heap growth of
 * the stopped 802,667-input run; test/fuzz/http-client-probe.ts shows it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { httpInput } from './inputs.js';
import { renderHttp } from './render.js';
import { FUZZ_APP } from './target.js';

describe('fuzz HTTP rendering', () => {
  it('gives every generated body a Content-Length equal to the bytes sent, whatever the method', () => {
    fc.assert(
      fc.property(httpInput, (input) => {
        const rendered = renderHttp(input, FUZZ_APP, Date.now());
        if (rendered.body === undefined) return;
        assert.equal(rendered.headers['content-length'], String(rendered.body.length));
      }),
      { numRuns: 2_000 },
    );
  });

  it('frames a GET body', () => {
    const rendered = renderHttp({ method: 'GET', path: '/nope', signing: 'none', params: [], body: '{"a":1}', headers: [] }, FUZZ_APP, 0);
    assert.equal(rendered.headers['content-length'], '7');
  });
});
