import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeConnectionEstablished } from '../../protocol/codec.js';
import { Frame } from '../../protocol/frame.js';
import { closeFrame, messagesFrame, parseSendBody, STREAM_PRELUDE } from './http-frames.js';

describe('HTTP transport framing', () => {
  it('writes messages as one a[...] line of JSON strings, each a complete Pusher message', () => {
    const established = new Frame(encodeConnectionEstablished('1.2', 120));
    const event = new Frame('{"event":"e","channel":"c","data":"line\\nbreak \u2028"}');
    const line = messagesFrame([established, event]);
    assert.ok(line.startsWith('a['));
    assert.ok(line.endsWith(']\n'));
    assert.equal(line.indexOf('\n'), line.length - 1, 'exactly one line: newlines inside messages are escaped');
    const elements = JSON.parse(line.slice(1)) as unknown[];
    assert.deepEqual(elements, [established.text, event.text], 'each element is the message text, as a string');
    assert.deepEqual(JSON.parse(elements[0] as string), {
      event: 'pusher:connection_established',
      data: '{"socket_id":"1.2","activity_timeout":120}',
    });
  });

  it('writes close frames as c[code,"reason"] with the reason JSON-escaped', () => {
    assert.equal(closeFrame(4001, 'App key "x" does not exist'), 'c[4001,"App key \\"x\\" does not exist"]\n');
    assert.deepEqual(JSON.parse(closeFrame(4200, 'bye').slice(1)), [4200, 'bye']);
  });

  it('has a 2 KiB prelude of h, which pusher-js ignores before o', () => {
    assert.equal(STREAM_PRELUDE.length, 2049);
    assert.match(STREAM_PRELUDE, /^h+\n$/);
  });

  it('accepts only a JSON array of strings as an xhr_send body', () => {
    assert.deepEqual(parseSendBody('[]'), []);
    assert.deepEqual(parseSendBody('["{\\"event\\":\\"pusher:ping\\",\\"data\\":{}}"]'), ['{"event":"pusher:ping","data":{}}']);
    assert.deepEqual(parseSendBody(' [ "a" , "b" ] '), ['a', 'b']);
    for (const bad of ['', 'x', '{}', '"a"', '[1]', '[{"event":"pusher:ping"}]', '["a",null]', '[["a"]]', 'null']) {
      assert.equal(parseSendBody(bad), undefined, bad);
    }
  });
});
