import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dataJson, memberText, RawJson } from './raw-json.js';

describe('raw JSON: memberText', () => {
  it('finds exactly what JSON.parse finds, in any object with any spacing', () => {
    const spacing = fc.constantFrom(undefined, 0, 1, 2, '\t', ' \r\n');
    const objects = fc.dictionary(fc.oneof(fc.constant('data'), fc.string()), fc.jsonValue(), { maxKeys: 6 });
    fc.assert(
      fc.property(objects, fc.option(fc.jsonValue(), { nil: undefined }), spacing, (object, data, space) => {
        const value = data === undefined ? object : { ...object, data };
        const text = JSON.stringify(value, null, space);
        const parsed = JSON.parse(text) as Record<string, unknown>;
        const found = memberText(text, 'data');
        if (!Object.hasOwn(parsed, 'data')) return found === undefined;
        assert.notEqual(found, undefined);
        assert.deepEqual(JSON.parse(found ?? ''), parsed['data']);
        assert.equal(found, found?.trim(), 'no surrounding whitespace');
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('takes the last of duplicate keys, decodes escaped keys, and skips tricky strings', () => {
    assert.equal(memberText('{"data":1,"data":[2]}', 'data'), '[2]');
    assert.equal(memberText('{"\\u0064ata" : {"a":"}"} }', 'data'), '{"a":"}"}');
    assert.equal(memberText('{"x":"\\\\","data":"q\\"}","y":null}', 'data'), '"q\\"}"');
    assert.equal(memberText('{"x":"data","y":-1.5e3}', 'data'), undefined);
    assert.equal(memberText('[{"data":1}]', 'data'), undefined);
    assert.equal(memberText('{"data":-0.5}', 'data'), '-0.5');
  });

  it('slices 50,000 nested levels without recursion', () => {
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    assert.equal(memberText(`{"event":"client-x","data":${deep},"channel":"c"}`, 'data'), deep);
  });

  it('encodes a string as JSON and relays raw JSON as is', () => {
    assert.equal(dataJson('a"b'), '"a\\"b"');
    assert.equal(dataJson(new RawJson('{ "a" : 1 }')), '{ "a" : 1 }');
  });
});
