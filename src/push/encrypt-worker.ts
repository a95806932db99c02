/**
 * A thread of the encryption pool (encryption-pool.ts): encrypts one batch at a time, one
 * aes128gcm body per subscription. The bodies go back in one ArrayBuffer that is transferred,
 * not copied (a Buffer from Node's pool would drag its whole 8 KiB slab through the clone); a
 * subscription whose keys cannot be used gets the reason instead (that device is refused, the
 * batch goes on).
 */
import { parentPort } from 'node:worker_threads';
import { encryptFor, plaintextOf } from './aes128gcm.js';
import type { EncryptReply, EncryptRequest } from './encryption-pool.js';

const port = parentPort;
if (port === null) throw new Error('encrypt-worker.js runs as a worker thread only');
port.on('message', (request: EncryptRequest) => {
  const plaintext = plaintextOf(request.payload);
  const bodies = request.keys.map((keys): Buffer | string => {
    try {
      return encryptFor(keys, plaintext);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  });
  let total = 0;
  for (const body of bodies) if (typeof body !== 'string') total += body.length;
  const data = new ArrayBuffer(total);
  const view = new Uint8Array(data);
  let offset = 0;
  const results = bodies.map((body) => {
    if (typeof body === 'string') return body;
    view.set(body, offset);
    offset += body.length;
    return body.length;
  });
  const reply: EncryptReply = { type: 'done', id: request.id, data, results };
  port.postMessage(reply, [data]);
});
const ready: EncryptReply = { type: 'ready' };
port.postMessage(ready);
