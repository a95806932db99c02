/**
 * The NATS state as several nodes share it: concurrent changes from different nodes (each
 * node's own changes are combined, so only these conflict), and node membership: a node killed
 * with SIGKILL is cleaned up after exactly once, and a node presumed dead finds out and comes back
 * under a new identity while the survivors remove what its old one left.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { ClusterState } from '../src/cluster/cluster-state.js';
import { createNatsClusterState } from '../src/cluster/nats/nats-cluster-state.js';
import { NatsNames } from '../src/cluster/nats/nats-names.js';
import type { NodeMembership, OwnedEntry } from '../src/cluster/ownership.js';
import type { SessionRegistry } from '../src/cluster/session-registry.js';
import { deleteNatsPrefix, uniqueNatsPrefix } from './helpers/nats.js';
import { NATS_SERVERS } from './helpers/services.js';
import { eventually } from './helpers/wait.js';

type Node = ClusterState & { membership: NodeMembership; sessions: SessionRegistry };

const TTL_MS = 1_000;

function createNode(prefix: string, nodeId: string): Promise<Node> {
  return createNatsClusterState({
    servers: NATS_SERVERS,
    prefix,
    nodeId,
    now: Date.now,
    nodeTtlMs: TTL_MS,
    cacheMaxAgeMs: 60_000,
    onError: (error) => {
      throw error;
    },
  });
}

const count = (values: readonly boolean[]) => values.filter(Boolean).length;

describe('NATS state shared by two nodes', () => {
  const prefix = uniqueNatsPrefix('nodes');
  let a: Node;
  let b: Node;
  before(async () => {
    a = await createNode(prefix, 'node-a');
    b = await createNode(prefix, 'node-b');
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    await deleteNatsPrefix(prefix);
  });
  const nodeFor = (index: number) => (index % 2 === 0 ? a : b);

  it('sees occupied and vacated once when both nodes join and leave at the same time', async () => {
    const joins = await Promise.all(
      Array.from({ length: 40 }, (_, index) => nodeFor(index).channels.join({ appId: 'app', channel: 'busy', socketId: `1.${index}` })),
    );
    assert.equal(count(joins.map((result) => result.ok && result.occupied)), 1);
    assert.deepEqual(await a.channels.summary('app', 'busy'), { subscriptionCount: 40, userCount: 0 });
    const leaves = await Promise.all(
      Array.from({ length: 40 }, (_, index) => nodeFor(index).channels.leave({ appId: 'app', channel: 'busy', socketId: `1.${index}` })),
    );
    assert.equal(count(leaves.map((result) => result.vacated)), 1);
    assert.deepEqual(await b.channels.summary('app', 'busy'), { subscriptionCount: 0, userCount: 0 });
  });

  it('holds the presence member cap across nodes', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        nodeFor(index).channels.join({
          appId: 'app',
          channel: 'presence-capped',
          socketId: `2.${index}`,
          member: { userId: `u${index}`, userInfo: undefined },
          maxMembers: 4,
        }),
      ),
    );
    assert.equal(count(results.map((result) => result.ok)), 4);
    assert.equal((await b.channels.members('app', 'presence-capped')).length, 4);
  });

  it('announces a member once whichever node its connections are on', async () => {
    const member = { userId: 42, userInfo: { name: 'both' } };
    const joins = await Promise.all([a, b, a, b].map((node, index) =>
      node.channels.join({ appId: 'app', channel: 'presence-shared', socketId: `3.${index}`, member }),
    ));
    assert.equal(count(joins.map((result) => result.ok && result.memberAdded)), 1);
    const leaves = await Promise.all([a, b, a, b].map((node, index) =>
      node.channels.leave({ appId: 'app', channel: 'presence-shared', socketId: `3.${index}` }),
    ));
    assert.equal(count(leaves.map((result) => result.memberRemoved)), 1);
    assert.equal(leaves.find((result) => result.memberRemoved)?.userId, 42);
  });

  it('holds the connection quota across nodes', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, index) => nodeFor(index).connections.add('quota-app', `4.${index}`, 5)));
    assert.equal(count(results), 5);
    assert.equal(await b.connections.count('quota-app'), 5);
  });

  it('reports a user online and offline once across nodes', async () => {
    const adds = await Promise.all(Array.from({ length: 6 }, (_, index) => nodeFor(index).users.add('app', 'someone', `5.${index}`)));
    assert.equal(count(adds), 1);
    assert.deepEqual(await a.users.online('app', ['someone', 'nobody']), ['someone']);
    const removes = await Promise.all(Array.from({ length: 6 }, (_, index) => nodeFor(index).users.remove('app', 'someone', `5.${index}`)));
    assert.equal(count(removes), 1);
  });

  it('hands a due transition to exactly one node', async () => {
    await a.channels.join({ appId: 'due-app', channel: 'c', socketId: '6.1', transitionDelayMs: 1 });
    await a.channels.leave({ appId: 'due-app', channel: 'c', socketId: '6.1', transitionDelayMs: 1 });
    const later = Date.now() + 10_000;
    const claims = await Promise.all([a, b, a, b].map((node) => node.channels.takeDueTransitions(later, 100)));
    const mine = claims.flat().filter((due) => due.appId === 'due-app');
    assert.deepEqual(mine, [{ appId: 'due-app', channel: 'c', transition: { kind: 'vacated' } }]);
  });
});

/** Direct access to the buckets, to do what a crash or a NATS failure would. */
class Buckets {
  readonly names: NatsNames;
  #connection: NatsConnection | undefined;

  constructor(prefix: string) {
    this.names = new NatsNames(prefix);
  }

  async #kv(bucket: string) {
    this.#connection ??= await connect({ servers: NATS_SERVERS });
    return new Kvm(this.#connection).open(bucket);
  }

  /** Removes a node's heartbeat, as if it had been silent for the node timeout. */
  async silence(owner: string): Promise<void> {
    await (await this.#kv(this.names.aliveBucket)).purge(this.names.alive(owner));
  }

  /** Rewrites a node's registration the way a node claiming it does. */
  async claim(owner: string, claimer: string): Promise<void> {
    await (await this.#kv(this.names.stateBucket)).put(this.names.node(owner), JSON.stringify({ claimedBy: claimer }));
  }

  /** The revision of a node's heartbeat, undefined once it is gone. */
  async heartbeatRevision(owner: string): Promise<number | undefined> {
    const entry = await (await this.#kv(this.names.aliveBucket)).get(this.names.alive(owner));
    return entry?.operation === 'PUT' ? entry.revision : undefined;
  }

  async registrationRevision(owner: string): Promise<number | undefined> {
    return (await (await this.#kv(this.names.stateBucket)).get(this.names.node(owner)))?.revision;
  }

  /** The node incarnations registered. */
  async registered(): Promise<string[]> {
    return (await this.#stateKeys('n.>')).flatMap((key) => this.names.parseNode(key) ?? []);
  }

  /** The HTTP session keys present, whoever holds them. */
  async httpSessionKeys(): Promise<string[]> {
    return this.#stateKeys(this.names.httpSessions);
  }

  async #stateKeys(filter: string): Promise<string[]> {
    this.#connection ??= await connect({ servers: NATS_SERVERS });
    const jsm = await jetstreamManager(this.#connection);
    const info = await jsm.streams.info(`KV_${this.names.stateBucket}`, { subjects_filter: `$KV.${this.names.stateBucket}.${filter}` });
    return Object.keys(info.state.subjects ?? {}).map((subject) => subject.split('.').slice(2).join('.'));
  }

  async close(): Promise<void> {
    await this.#connection?.close();
  }
}

/** Removes claimed entries through the normal operations, as ClusterUpkeep does. */
async function reap(node: Node, entries: readonly OwnedEntry[]) {
  const outcome = { memberRemoved: [] as (string | number)[], vacated: [] as string[], offline: [] as string[] };
  for (const entry of entries) {
    if (entry.kind === 'subscription') {
      const result = await node.channels.leave({ appId: entry.appId, channel: entry.channel, socketId: entry.socketId });
      if (result.memberRemoved && result.userId !== undefined) outcome.memberRemoved.push(result.userId);
      if (result.vacated) outcome.vacated.push(entry.channel);
    } else if (entry.kind === 'user') {
      if (await node.users.remove(entry.appId, entry.userId, entry.socketId)) outcome.offline.push(entry.userId);
    } else {
      await node.connections.remove(entry.appId, entry.socketId);
    }
  }
  return outcome;
}

describe('NATS node membership', () => {
  const prefix = uniqueNatsPrefix('members');
  const buckets = new Buckets(prefix);
  let a: Node;
  let c: Node;
  before(async () => {
    a = await createNode(prefix, 'node-a');
    c = await createNode(prefix, 'node-c');
  });
  after(async () => {
    await Promise.all([a.close(), c.close()]);
    await buckets.close();
    await deleteNatsPrefix(prefix);
  });

  it('has one survivor clean up after a node killed with SIGKILL, each transition once', async () => {
    const script = fileURLToPath(new URL('./helpers/nats-state-node.js', import.meta.url));
    const child = spawn(process.execPath, [script, NATS_SERVERS.join(','), prefix, 'node-killed', String(TTL_MS)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [ready] = (await once(child.stdout, 'data')) as [Buffer];
    assert.equal(ready.toString().trim(), 'ready');
    assert.equal((await a.channels.members('app', 'presence-room')).length, 1);
    assert.deepEqual(await c.users.online('app', ['gone']), ['gone']);
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;

    const claimed = new Map<string, OwnedEntry[]>();
    await eventually(async () => {
      const [byA, byC] = await Promise.all([a.membership.claimOrphans(), c.membership.claimOrphans()]);
      if (byA.length > 0) claimed.set('a', [...(claimed.get('a') ?? []), ...byA]);
      if (byC.length > 0) claimed.set('c', [...(claimed.get('c') ?? []), ...byC]);
      return claimed.size > 0;
    }, 'a survivor to claim the dead node', 15_000);
    assert.equal(claimed.size, 1, 'exactly one survivor claims the dead node');
    const [survivorName, entries] = [...claimed][0] ?? ['', []];
    const survivor = survivorName === 'a' ? a : c;
    assert.equal(entries.length, 8, '2 connections, 4 subscriptions, 2 signed-in sockets');

    const outcome = await reap(survivor, entries);
    assert.deepEqual(outcome.memberRemoved, ['gone']);
    assert.deepEqual(outcome.vacated.sort(), ['presence-room', 'public']);
    assert.deepEqual(outcome.offline, ['gone']);
    assert.deepEqual(await a.channels.summary('app', 'presence-room'), { subscriptionCount: 0, userCount: 0 });
    assert.equal(await c.connections.count('app'), 0);
    assert.deepEqual(await a.users.online('app', ['gone']), []);
    assert.deepEqual(await buckets.httpSessionKeys(), [buckets.names.httpSession('app-key/1/killed')]);

    // The next pass finds nothing left, removes the dead node's HTTP session keys and releases the
    // claim: only the survivors stay registered.
    assert.deepEqual([...(await survivor.membership.claimOrphans())], []);
    assert.deepEqual(await buckets.httpSessionKeys(), []);
    assert.deepEqual((await buckets.registered()).sort(), ['node-a#0', 'node-c#0']);
  });

  it('tells a node it was presumed dead; it rejoins as a new incarnation while a survivor removes the old one', async () => {
    const b = await createNode(prefix, 'node-b');
    try {
      const member = { userId: 'b-user', userInfo: undefined };
      const join = () => b.channels.join({ appId: 'app', channel: 'presence-lost', socketId: '7.1', member });
      assert.equal((await join()).ok, true);
      assert.deepEqual(await b.sessions.claim('app-key/1/b-session'), { owner: 'self' });
      const lost = new Promise<void>((resolve) => b.membership.onLost(resolve));

      // A claimer that then died: it took node-b#0 while node-b could not beat.
      await buckets.claim('node-b#0', 'claimer-gone#0');
      await buckets.silence('node-b#0');
      await lost;

      // Node b's entries were presumed gone: the engine adds them again, and this is no repeat.
      const rejoined = await join();
      assert.ok(rejoined.ok);
      assert.equal(rejoined.subscriptionCount, 2, "the old incarnation's subscription is still counted");
      // Its HTTP sessions too (what the HTTP endpoint does on onLost): vouched for by the new one.
      assert.equal(await a.sessions.find('app-key/1/b-session'), undefined, 'the old incarnation no longer vouches for it');
      assert.deepEqual(await b.sessions.claim('app-key/1/b-session'), { owner: 'self' });
      assert.equal(await a.sessions.find('app-key/1/b-session'), 'node-b');

      let entries: OwnedEntry[] = [];
      await eventually(async () => {
        entries = [...(await a.membership.claimOrphans())];
        return entries.length > 0;
      }, 'a survivor to take over the dead claimer', 15_000);
      assert.deepEqual(entries, [{ kind: 'subscription', appId: 'app', channel: 'presence-lost', socketId: '7.1' }]);
      const outcome = await reap(a, entries);
      assert.deepEqual(outcome, { memberRemoved: [], vacated: [], offline: [] }, 'the user is still there through the new incarnation');
      assert.deepEqual(await a.channels.summary('app', 'presence-lost'), { subscriptionCount: 1, userCount: 1 });
      assert.deepEqual([...(await a.membership.claimOrphans())], []);
      assert.equal(await a.sessions.find('app-key/1/b-session'), 'node-b', 'the cleanup left the re-claimed session alone');
    } finally {
      await b.close();
    }
  });

  it('starts afresh when it doubts its entries: the live ones stay, the rest go once, even when it claims itself', async () => {
    const e = await createNode(prefix, 'node-e');
    try {
      const join = (socketId: string, userId: string) =>
        e.channels.join({ appId: 'app', channel: 'presence-doubt', socketId, member: { userId, userInfo: undefined } });
      await join('9.1', 'stays');
      await join('9.2', 'gone');
      await e.connections.add('app', '9.1', undefined);
      await e.connections.add('app', '9.2', undefined);
      assert.deepEqual(await e.sessions.claim('app-key/1/e-session'), { owner: 'self' });

      // 9.2 closed while its leave could not be recorded: the node doubts, and starts afresh.
      assert.deepEqual([...(await e.membership.ownEntries())], [], 'the new incarnation owns nothing yet');
      assert.deepEqual((await buckets.registered()).filter((owner) => owner.startsWith('node-e')).sort(), ['node-e#0', 'node-e#1']);
      // The engine re-asserts the live connection's entries under it: no event, as nothing changed.
      const rejoined = await join('9.1', 'stays');
      assert.ok(rejoined.ok);
      assert.equal(rejoined.memberAdded, false);
      assert.equal(await e.connections.add('app', '9.1', 3), true);
      assert.equal(await a.sessions.find('app-key/1/e-session'), 'node-e', 'its HTTP session is vouched for by the new incarnation');

      // Until the engine says every live entry is re-asserted, the previous incarnation still
      // beats: no survivor can remove 9.1's member before its replacement exists.
      const firstBeat = await buckets.heartbeatRevision('node-e#0');
      assert.notEqual(firstBeat, undefined, 'the previous heartbeat is kept');
      await eventually(async () => ((await buckets.heartbeatRevision('node-e#0')) ?? 0) > (firstBeat ?? 0), 'the previous incarnation to beat');
      const early = (await a.membership.claimOrphans()).filter((entry) => entry.socketId.startsWith('9.'));
      assert.deepEqual(early, [], 'a live previous incarnation is not claimed');
      await e.membership.reconciled();
      assert.equal(await buckets.heartbeatRevision('node-e#0'), undefined, 'reconciled drops the previous heartbeat at once');

      // One node timeout after connecting, the node claims its own previous incarnation.
      const entries: OwnedEntry[] = [];
      await eventually(async () => {
        // Only this test's entries: an incarnation an earlier test left behind under the shared
        // prefix may be claimed in the same pass.
        entries.push(...(await e.membership.claimOrphans()).filter((entry) => entry.socketId.startsWith('9.')));
        return entries.length >= 4;
      }, 'the previous incarnation to be claimed', 5_000);
      assert.equal(entries.length, 4, 'both subscriptions and both connections, the live ones included');
      assert.deepEqual(await reap(e, entries), { memberRemoved: ['gone'], vacated: [], offline: [] });
      assert.deepEqual(await e.channels.summary('app', 'presence-doubt'), { subscriptionCount: 1, userCount: 1 });
      assert.equal(await e.connections.count('app'), 1);
      const leftover = (await e.membership.claimOrphans()).filter((entry) => entry.socketId.startsWith('9.'));
      assert.deepEqual(leftover, [], 'nothing left: the claim is released');
      assert.deepEqual((await buckets.registered()).filter((owner) => owner.startsWith('node-e')), ['node-e#1']);
      assert.equal(await a.sessions.find('app-key/1/e-session'), 'node-e');

      // The live connection's own leave still counts under the new incarnation.
      const left = await e.channels.leave({ appId: 'app', channel: 'presence-doubt', socketId: '9.1' });
      assert.equal(left.memberRemoved, true);
      assert.equal(left.vacated, true);
    } finally {
      await e.close();
    }
  });

  it('does not report a node lost when its heartbeat lapsed but nobody claimed it', async () => {
    const d = await createNode(prefix, 'node-d');
    try {
      let lostCount = 0;
      d.membership.onLost(() => (lostCount += 1));
      const before = await buckets.registrationRevision('node-d#0');
      await buckets.silence('node-d#0');
      // The node beats again and re-asserts its registration (a new revision) instead of starting over.
      await eventually(async () => (await buckets.registrationRevision('node-d#0')) !== before, 'node d to re-register');
      assert.equal(lostCount, 0);
    } finally {
      await d.close();
    }
  });
});
