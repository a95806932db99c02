/**
 * RFC 6455 server-to-client text frames (FIN set, opcode 1, unmasked, no extensions).
 *
 * Written here rather than through `ws`'s sender because a broadcast must be framed once and the
 * same bytes appended to every recipient's socket; `ws.send` frames per call. This is the hot path
 * (bench/scenarios/fanout.ts measures it against a per-recipient `ws.send`), and the encoding is
 * fixed by the RFC.
 */
export function encodeTextFrame(text: string): Buffer {
  const payloadLength = Buffer.byteLength(text, 'utf8');
  const headerLength = payloadLength < 126 ? 2 : payloadLength < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + payloadLength);
  frame[0] = 0x81;
  if (headerLength === 2) {
    frame[1] = payloadLength;
  } else if (headerLength === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(payloadLength, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(payloadLength / 2 ** 32), 2);
    frame.writeUInt32BE(payloadLength >>> 0, 6);
  }
  frame.write(text, headerLength, 'utf8');
  return frame;
}
