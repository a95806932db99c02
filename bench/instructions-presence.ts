/**
 * Instructions per presence churn cycle, counted by valgrind's callgrind: the server's user-space
 * CPU for one `presence-churn` cycle (bench/scenarios/presence-churn.ts) without the machine's
 * load in it. A cycle is what a churner does there: connect, subscribe to a presence channel with
 * signed channel_data, wait for `subscription_succeeded`, disconnect; the channel's stable members
 * each receive `member_added` and `member_removed`. Counting stops once every stable member has
 * both events of every counted cycle, so the count holds the whole cycle, the member events'
 * encoding and writes included; the kernel's side of those writes (a CPU profile's largest share
 * in the timed benchmark) is not counted: these are the instructions "beyond the writes".
 *
 * `--server baseline` counts the same cycle on the baseline server (bench/servers/baseline-server.ts:
 * Node, ws's handshake and reader, no presence state, no member events, no signature check): the
 * floor any Node server on ws pays for a connect, subscribe and close. Run the script from
 * another build's checkout (with this build's `dist/`) to compare builds. `--in-flight N` churners cycle at once (default 1). The admin listener is on, on a port
 * of its own (`--admin on`), or off; `--admin omit` leaves it out of the configuration, for builds
 * from before it existed.
 *
 *   node dist/bench/instructions-presence.js [--server switchboard|baseline] [--members M] [--cycles N]
 *     [--warmup W] [--in-flight N] [--rounds R] [--admin on|off|omit] [--cache-sim on|off] [--keep DIR]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { channelStringToSign, signToken } from '../src/protocol/signatures.js';
import { freePort, median, positiveCount, startCounted, untilUp, type Totals } from './callgrind.js';

const APP = { id: 'presence', key: 'presence-key', secret: 'presence-secret' };
const CHANNEL = 'presence-churn';

interface Settings {
  readonly server: 'switchboard' | 'baseline';
  readonly members: number;
  readonly cycles: number;
  readonly warmup: number;
  readonly inFlight: number;
  readonly rounds: number;
  /** The configuration's `admin` entry, or undefined to leave it out. */
  readonly admin: object | undefined;
  readonly cacheSim: boolean;
  readonly keep: string | undefined;
}

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      server: { type: 'string', default: 'switchboard' },
      members: { type: 'string', default: '50' },
      cycles: { type: 'string', default: '1000' },
      warmup: { type: 'string', default: '1000' },
      'in-flight': { type: 'string', default: '1' },
      rounds: { type: 'string', default: '3' },
      admin: { type: 'string', default: 'on' },
      'cache-sim': { type: 'string', default: 'off' },
      keep: { type: 'string' },
    },
  });
  if (values['cache-sim'] !== 'on' && values['cache-sim'] !== 'off') throw new Error('--cache-sim must be on or off');
  const admins: Record<string, object | undefined> = { on: { port: 0 }, off: { enabled: false }, omit: undefined };
  if (!Object.hasOwn(admins, values.admin)) throw new Error('--admin must be on, off or omit');
  if (values.server !== 'switchboard' && values.server !== 'baseline') throw new Error('--server must be switchboard or baseline');
  return {
    server: values.server,
    members: positiveCount(values.members, 'members'),
    cycles: positiveCount(values.cycles, 'cycles'),
    warmup: positiveCount(values.warmup, 'warmup'),
    inFlight: positiveCount(values['in-flight'], 'in-flight'),
    rounds: positiveCount(values.rounds, 'rounds'),
    admin: admins[values.admin],
    cacheSim: values['cache-sim'] === 'on',
    keep: values.keep,
  };
}

/**
 * Connects, joins the presence channel as `userId` (as pusher-js does with an auth endpoint's
 * answer) and resolves once `subscription_succeeded` arrives. `onMessage` sees every later frame
 * but `pusher:ping`, which is answered as pusher-js answers it: a run under valgrind outlasts the
 * activity timeout, and a member that did not answer would be closed.
 */
function joinAs(port: number, userId: string, onMessage?: (data: Buffer) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${String(port)}/app/${APP.key}?protocol=7`);
    let joined = false;
    socket.on('error', reject);
    socket.on('close', () => {
      if (!joined) reject(new Error(`closed before ${userId} joined`));
    });
    socket.on('message', (data: Buffer) => {
      if (joined) {
        if (data.includes('"pusher:ping"')) socket.send('{"event":"pusher:pong","data":{}}');
        else onMessage?.(data);
        return;
      }
      const text = data.toString();
      if (text.includes('pusher:connection_established')) {
        const frame = JSON.parse(text) as { data: string };
        const socketId = (JSON.parse(frame.data) as { socket_id: string }).socket_id;
        const channelData = JSON.stringify({ user_id: userId, user_info: { name: userId } });
        const auth = signToken(APP, channelStringToSign(socketId, CHANNEL, channelData));
        socket.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: CHANNEL, auth, channel_data: channelData } }));
      } else if (text.includes('pusher_internal:subscription_succeeded')) {
        joined = true;
        resolve(socket);
      } else {
        reject(new Error(`unexpected before joining: ${text.slice(0, 200)}`));
      }
    });
  });
}

/** One cycle: join, then close once joined; resolves when the client side has closed. */
async function cycle(port: number, userId: string): Promise<void> {
  const socket = await joinAs(port, userId);
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.close();
  await closed;
}

/** Runs `count` cycles, `inFlight` at a time, with user ids `${prefix}0`, `${prefix}1`, ... */
async function churn(port: number, count: number, inFlight: number, prefix: string): Promise<void> {
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < count) {
      const index = next;
      next += 1;
      await cycle(port, `${prefix}${String(index)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, loop));
}

async function countRun(chosen: Settings, folder: string, label: string): Promise<Totals> {
  const port = await freePort();
  const config = join(folder, `${label}.json`);
  const apps = [{ ...APP, maxPresenceMembers: chosen.members + chosen.inFlight + 1 }];
  await writeFile(config, JSON.stringify({ host: '127.0.0.1', port, log: { level: 'warn' }, admin: chosen.admin, apps }));
  const args =
    chosen.server === 'baseline' ? ['dist/bench/servers/baseline-server.js', '--mode', 'coalesced', '--port', String(port)] : ['bin/switchboard.js', 'start', '--config', config];
  const server = startCounted(args, join(chosen.keep ?? folder, `${chosen.server}-${label}.callgrind`), chosen.cacheSim);
  let totals: Totals;
  const stable: WebSocket[] = [];
  try {
    // Member events counted across the stable members; `reached` resolves at `target`.
    let events = 0;
    let target = 0;
    let reached: () => void = () => undefined;
    const countEvent = (data: Buffer): void => {
      if (data.includes('pusher_internal:member_')) events += 1;
      if (events === target) reached();
    };
    // A stable member the server closes would leave the count waiting forever: fail instead.
    let closedEarly: (error: Error) => void = () => undefined;
    const lost = new Promise<never>((_, reject) => (closedEarly = reject));
    lost.catch(() => undefined);
    const allEvents = (count: number): Promise<void> => {
      target = count;
      return events >= count ? Promise.resolve() : Promise.race([new Promise<void>((resolve) => (reached = resolve)), lost]);
    };
    const keep = (socket: WebSocket): void => {
      socket.once('close', (code: number) => closedEarly(new Error(`the server closed a stable member (${String(code)})`)));
      stable.push(socket);
    };
    keep(await untilUp(() => joinAs(port, 'stable-0', countEvent)));
    for (let index = 1; index < chosen.members; index += 1) keep(await joinAs(port, `stable-${String(index)}`, countEvent));
    // Each stable member saw the later ones join: M(M-1)/2 events before the churn. The
    // baseline sends no member events: its cycles are counted as the churners complete them.
    const presence = chosen.server === 'switchboard';
    const settled = presence ? (chosen.members * (chosen.members - 1)) / 2 : 0;
    await allEvents(settled);
    const perCycle = presence ? 2 * chosen.members : 0;
    const warmed = allEvents(settled + perCycle * chosen.warmup);
    await churn(port, chosen.warmup, chosen.inFlight, 'warmup-');
    await warmed;
    const counted = allEvents(settled + perCycle * (chosen.warmup + chosen.cycles));
    await server.collect(true);
    await churn(port, chosen.cycles, chosen.inFlight, 'churn-');
    await counted;
    await server.collect(false);
  } finally {
    for (const socket of stable) socket.terminate();
    totals = await server.stop();
  }
  return totals;
}

async function main(): Promise<void> {
  const chosen = settings();
  const folder = await mkdtemp(join(tmpdir(), 'switchboard-instructions-presence-'));
  try {
    const perCycle: number[] = [];
    for (let round = 0; round < chosen.rounds; round += 1) {
      const totals = await countRun(chosen, folder, `round-${String(round)}`);
      const value = (totals.get('Ir') ?? 0) / chosen.cycles;
      perCycle.push(value);
      const misses = totals.has('D1mr') ? `, ${(((totals.get('D1mr') ?? 0) + (totals.get('D1mw') ?? 0)) / chosen.cycles).toFixed(0)} D1 data misses` : '';
      console.log(`round ${String(round + 1)}: ${value.toFixed(0)} instructions per cycle${misses}`);
    }
    console.log(
      `${chosen.server}: median ${(median(perCycle) ?? 0).toFixed(0)} instructions per presence cycle (${String(chosen.members)} stable members, ${String(chosen.inFlight)} in flight, ${String(chosen.cycles)} cycles after ${String(chosen.warmup)} uncounted)`,
    );
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

await main();
