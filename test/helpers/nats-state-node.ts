/**
 * A node holding entries in the NATS state, run as its own process so a test can kill it with
 * SIGKILL. Usage: node nats-state-node.js <servers> <prefix> <nodeId> <nodeTtlMs>. It joins
 * presence channel `presence-room` (user `gone`, two sockets) and public channel `public`,
 * registers the connections, signs the user in and claims HTTP session `app-key/1/killed`, prints
 * `ready`, then waits to be killed.
 */
import { createNatsClusterState } from '../../src/cluster/nats/nats-cluster-state.js';

const [servers = '', prefix = '', nodeId = '', ttl = '1000'] = process.argv.slice(2);
const state = await createNatsClusterState({
  servers: servers.split(','),
  prefix,
  nodeId,
  now: Date.now,
  nodeTtlMs: Number(ttl),
  cacheMaxAgeMs: 60_000,
  onError: (error, what) => process.stderr.write(`${what}: ${String(error)}\n`),
});
const member = { userId: 'gone', userInfo: { from: nodeId } };
for (const socketId of ['9.1', '9.2']) {
  await state.connections.add('app', socketId, undefined);
  await state.channels.join({ appId: 'app', channel: 'presence-room', socketId, member, transitionDelayMs: 0 });
  await state.channels.join({ appId: 'app', channel: 'public', socketId, transitionDelayMs: 0 });
  await state.users.add('app', 'gone', socketId);
}
await state.sessions.claim('app-key/1/killed');
process.stdout.write('ready\n');
setInterval(() => undefined, 60_000);
