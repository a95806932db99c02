/**
 * What a node spends on a publication received from another node before its sockets get it: the
 * bus text decoded (bus-codec.ts) and the Frame built from it (core/hub.ts). CPU time per
 * publication, in process, no network: the part of the receive path that depends on the wire
 * format (the bus client's read and the socket writes do not). Two publications: a 100-byte API
 * publish as the fan-out scenarios send, and a 1 KB client event (non-ASCII, user_id).
 *
 *   node dist/bench/bus-receive.js [--count N]
 */
import { parseArgs } from 'node:util';
import type { Publication } from '../src/cluster/broker.js';
import { decodePublication, encodePublication } from '../src/cluster/bus-codec.js';
import { Frame } from '../src/protocol/frame.js';
import { RawJson } from '../src/protocol/raw-json.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '300000' } } });
const count = Number(values.count);
const ROUNDS = 3;

const publications: readonly (readonly [string, Publication])[] = [
  ['API publish, 100 B', { appId: 'bench', channel: 'bench-fanout', event: 'bench', data: `T123456789|${'x'.repeat(89)}` }],
  [
    'client event, 1 KB JSON',
    {
      appId: 'bench',
      channel: 'presence-room',
      event: 'client-typing',
      data: new RawJson(JSON.stringify({ text: 'héllo wörld ✓'.repeat(60), n: [1, 2, 3] })),
      userId: 'u1',
      exceptSocketId: '1.2',
    },
  ],
];

for (const [name, publication] of publications) {
  const text = encodePublication('node-a', publication);
  let bytes = 0;
  let nanos = 0;
  // The last of a few rounds, once the code is optimized.
  for (let round = 0; round < ROUNDS; round += 1) {
    const start = process.cpuUsage();
    for (let index = 0; index < count; index += 1) {
      const received = decodePublication('node-b', text);
      if (received !== undefined) bytes += new Frame(received.frame).size;
    }
    const used = process.cpuUsage(start);
    nanos = ((used.user + used.system) * 1000) / count;
  }
  process.stdout.write(`${name}: ${nanos.toFixed(0)} ns CPU per publication received (${bytes > 0 ? 'ok' : 'nothing decoded'})\n`);
}
