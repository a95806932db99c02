/**
 * The debug console across the cluster: nodes tell each other which apps their consoles watch,
 * and forward the debug entries of those apps, and only those, to the other nodes. Everything
 * travels as the payload of one control kind on the broker's control bus (`CONSOLE`); this file
 * owns the body's format, which the bus checks on arrival (a node of another version may send
 * anything), and `onMessage` checks again for callers that are not the bus.
 *
 * - watch: `{op: 'watch', apps, ttlMs}`, sent when the apps watched here change and every
 *   ANNOUNCE_MS while any is; the interest lapses on the other nodes after ttlMs unless renewed,
 *   so a node that dies or whose console closes stops the forwarding within INTEREST_TTL_MS.
 * - status: `{op: 'status', stats}`, this node's totals (NodeStats), sent every ANNOUNCE_MS by
 *   every node, so an overview on any node shows every node's connections and traffic.
 * - entries: `{op: 'entries', records, missed}`, the records of watched apps made here, sent in
 *   one message per FLUSH_MS with at most MAX_RECORDS_PER_FLUSH records; the rest are counted per
 *   app in `missed`, which the receiving consoles show with their own drops.
 */
import { z } from 'zod';
import { controlKind } from '../cluster/control-kind.js';
import type { DebugRecord, DebugTap } from '../core/debug-tap.js';
import type { Logger } from '../shared/logger.js';

export const ANNOUNCE_MS = 5_000;
export const INTEREST_TTL_MS = 15_000;
export const FLUSH_MS = 100;
export const MAX_RECORDS_PER_FLUSH = 100;

const text = z.string().max(10_000);
const stamp = { appId: text, node: text, time: z.number() };
const recordSchema = z.discriminatedUnion('kind', [
  z.object({ ...stamp, kind: z.literal('connection-opened'), socketId: text, transport: text, origin: text.optional(), address: text }),
  z.object({ ...stamp, kind: z.literal('connection-closed'), socketId: text, transport: text, code: z.number(), reason: text }),
  z.object({ ...stamp, kind: z.enum(['subscribed', 'unsubscribed']), socketId: text, channel: text }),
  z.object({ ...stamp, kind: z.enum(['channel-occupied', 'channel-vacated']), channel: text }),
  z.object({ ...stamp, kind: z.enum(['member-added', 'member-removed']), channel: text, userId: text }),
  z.object({ ...stamp, kind: z.literal('api-message'), channel: text, event: text, data: text, socketId: text.optional() }),
  z.object({ ...stamp, kind: z.literal('client-event'), socketId: text, channel: text, event: text, data: text }),
  z.object({
    ...stamp,
    kind: z.literal('webhook'),
    url: text,
    ok: z.boolean(),
    attempt: z.number(),
    events: z.number(),
    reason: text.optional(),
  }),
]);

const count = z.number().int().nonnegative();
const nodeStatsSchema = z.object({
  node: text,
  connections: count,
  apps: z.record(text, z.object({ connections: count, messages: count, deliveries: count })),
});

const bodySchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('status'), stats: nodeStatsSchema }),
  z.object({ op: z.literal('watch'), apps: z.array(text).max(10_000), ttlMs: z.number().int().positive().max(60_000) }),
  z.object({
    op: z.literal('entries'),
    records: z.array(recordSchema).max(MAX_RECORDS_PER_FLUSH),
    missed: z.record(text, z.number().int().nonnegative()),
  }),
]);

export type ConsoleBody = z.infer<typeof bodySchema>;

/** The control kind the console's bodies travel as between nodes. */
export const CONSOLE = controlKind('console', bodySchema);

/** A node's totals, sent every ANNOUNCE_MS: its connections and each app's traffic counters. */
export type NodeStats = z.infer<typeof nodeStatsSchema>;

/** Another node's last status and when it arrived (its last heartbeat as the dashboard shows it). */
export interface NodeStatus {
  readonly stats: NodeStats;
  readonly receivedAt: number;
}

export interface ConsoleBusOptions {
  readonly tap: DebugTap;
  /** Sends a body to every other node (`broker.control.tell(CONSOLE, body)`). */
  readonly send: (body: ConsoleBody) => Promise<void>;
  /** This node's totals, read every ANNOUNCE_MS. */
  readonly localStats: () => NodeStats;
  readonly logger: Logger;
  readonly now: () => number;
}

export class ConsoleBus {
  readonly #options: ConsoleBusOptions;
  #queue: DebugRecord[] = [];
  #missed = new Map<string, number>();
  #flushTimer: NodeJS.Timeout | undefined;
  #upkeepTimer: NodeJS.Timeout | undefined;
  #lastAnnounce = 0;
  #lastStatus = 0;
  readonly #nodes = new Map<string, NodeStatus>();

  constructor(options: ConsoleBusOptions) {
    this.#options = options;
    options.tap.forward = (record) => this.#enqueue(record);
    options.tap.onLocalChange = () => this.#announce();
  }

  /** Starts the announcements and the expiry of other nodes' interest. */
  start(): void {
    this.#upkeepTimer = setInterval(() => this.#upkeep(), 1_000);
    this.#upkeepTimer.unref();
  }

  close(): void {
    clearInterval(this.#upkeepTimer);
    clearTimeout(this.#flushTimer);
    this.#options.tap.forward = undefined;
    this.#options.tap.onLocalChange = undefined;
  }

  /** A 'console' control message's body from another node; anything malformed is ignored. */
  onMessage(body: unknown): void {
    const parsed = bodySchema.safeParse(body);
    if (!parsed.success) {
      this.#options.logger.debug({ issues: parsed.error.issues.length }, 'console message not understood; ignored');
      return;
    }
    const message = parsed.data;
    const { tap, now } = this.#options;
    if (message.op === 'status') {
      this.#nodes.set(message.stats.node, { stats: message.stats, receivedAt: now() });
      return;
    }
    if (message.op === 'watch') {
      const until = now() + message.ttlMs;
      for (const appId of message.apps) tap.remoteInterest(appId, until);
      return;
    }
    for (const record of message.records) tap.deliverRemote(record as DebugRecord);
    for (const [appId, count] of Object.entries(message.missed)) tap.reportMissed(appId, count);
  }

  /** The other nodes heard from within INTEREST_TTL_MS, with their last status. */
  otherNodes(): NodeStatus[] {
    const since = this.#options.now() - INTEREST_TTL_MS;
    for (const [node, status] of this.#nodes) if (status.receivedAt < since) this.#nodes.delete(node);
    return [...this.#nodes.values()];
  }

  #upkeep(): void {
    const { tap, now } = this.#options;
    const at = now();
    tap.expireRemote(at);
    if (at - this.#lastStatus >= ANNOUNCE_MS) {
      this.#lastStatus = at;
      this.#send({ op: 'status', stats: this.#options.localStats() });
    }
    if (tap.locallyWatched().length > 0 && at - this.#lastAnnounce >= ANNOUNCE_MS) this.#announce();
  }

  #announce(): void {
    const apps = this.#options.tap.locallyWatched();
    this.#lastAnnounce = this.#options.now();
    if (apps.length === 0) return;
    this.#send({ op: 'watch', apps, ttlMs: INTEREST_TTL_MS });
  }

  #enqueue(record: DebugRecord): void {
    if (this.#queue.length >= MAX_RECORDS_PER_FLUSH) {
      this.#missed.set(record.appId, (this.#missed.get(record.appId) ?? 0) + 1);
    } else {
      this.#queue.push(record);
    }
    this.#flushTimer ??= setTimeout(() => this.#flush(), FLUSH_MS);
  }

  #flush(): void {
    this.#flushTimer = undefined;
    const records = this.#queue;
    const missed = Object.fromEntries(this.#missed);
    this.#queue = [];
    this.#missed = new Map();
    this.#send({ op: 'entries', records, missed });
  }

  #send(body: ConsoleBody): void {
    this.#options.send(body).catch((error: unknown) => this.#options.logger.debug({ err: error }, 'console message not sent'));
  }
}
