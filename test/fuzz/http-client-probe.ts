/**
 * Which process grows when HTTP requests carry a body their method does not frame?
 * `node --expose-gc dist/test/fuzz/http-client-probe.js [unframed|framed] [requests] [path]`
 *
 * The fuzz run's server and driver share one heap, so its heap check cannot tell them apart. This
 * probe puts the server in a child process (forked from this file) and drives it from this one
 * with the fuzz driver's HTTP client (keep-alive Agent, 8 in flight), sending GET requests with a
 * body, without (`unframed`, as the driver did before render.ts framed every body) or with
 * `Content-Length`. Every round it prints both heaps after GC, how many of the driver's
 * ClientRequest objects are still reachable (a FinalizationRegistry counts the collected ones)
 * and the server's open connections. Recorded in docs/fuzzing.md.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { startServer } from '../helpers/server.js';
import { FUZZ_APP } from './target.js';

const ROUNDS = 4;
const PARALLEL = 8;

interface ServerHeap {
  readonly heap: number;
  readonly connections: number;
}

function collect(): void {
  if (globalThis.gc === undefined) throw new Error('run with node --expose-gc');
  globalThis.gc();
  globalThis.gc();
}

/** The child: the server alone in its process, answering 'heap' with its heap after GC. */
async function serve(): Promise<void> {
  const server = await startServer({ apps: [{ ...FUZZ_APP, clientEvents: true }] });
  process.on('message', (message) => {
    if (message === 'heap') {
      collect();
      process.send?.({ heap: process.memoryUsage().heapUsed, connections: server.server.engine.connectionCount });
    } else if (message === 'exit') void server.close().then(() => process.exit(0));
  });
  process.send?.({ port: server.port });
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve) => child.once('message', (message) => resolve(message as T)));
}

async function drive(framed: boolean, perRound: number, path: string): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['server'], { execArgv: ['--expose-gc'] });
  const { port } = await nextMessage<{ port: number }>(child);
  const agent = new Agent({ keepAlive: true, maxSockets: PARALLEL });
  let created = 0;
  let collected = 0;
  const registry = new FinalizationRegistry<number>(() => void (collected += 1));
  const statuses = new Map<number, number>();
  const body = Buffer.from('{"name":"e","channel":"c","data":"x"}');
  const send = (): Promise<void> =>
    new Promise((resolve) => {
      const headers = framed ? { 'content-length': String(body.length) } : {};
      const request = httpRequest({ host: '127.0.0.1', port, agent, method: 'GET', path, headers, timeout: 10_000 });
      created += 1;
      registry.register(request, created);
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => {
          statuses.set(response.statusCode ?? 0, (statuses.get(response.statusCode ?? 0) ?? 0) + 1);
          resolve();
        });
        response.on('error', () => resolve());
      });
      request.on('timeout', () => request.destroy());
      request.on('error', () => resolve());
      request.end(body);
    });
  const measure = async (label: string): Promise<void> => {
    for (let i = 0; i < 3; i += 1) {
      collect();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.send('heap');
    const server = await nextMessage<ServerHeap>(child);
    const mb = (bytes: number): string => (bytes / 1_048_576).toFixed(1);
    console.log(
      `${label}: driver heap ${mb(process.memoryUsage().heapUsed)} MB, ClientRequests reachable ${created - collected} of ${created}; ` +
        `server heap ${mb(server.heap)} MB, server connections ${server.connections}`,
    );
  };
  await measure('start');
  for (let round = 1; round <= ROUNDS; round += 1) {
    let sent = 0;
    const worker = async (): Promise<void> => {
      while (sent < perRound) {
        sent += 1;
        await send();
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    await measure(`after ${round * perRound} ${framed ? 'framed' : 'unframed'} GET ${path} with a body`);
  }
  console.log(`statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  agent.destroy();
  child.send('exit');
}

const [role, count, path] = process.argv.slice(2);
if (role === 'server') await serve();
else await drive(role === 'framed', Number(count ?? 1_000), path ?? '/nope');
