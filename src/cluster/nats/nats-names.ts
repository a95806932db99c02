/**
 * NATS subject, bucket and KV key names. App ids, channel names, user ids and node ids may hold
 * characters NATS forbids in a token ('.', '*', '>', spaces), so each is written as one token:
 * 'x' followed by its UTF-8 in base64url (the 'x' keeps an empty string a valid token).
 */
import { decodeOwned, encodeOwned, type OwnedEntry } from '../ownership.js';

/** One subject token (or KV key token) standing for any string. */
export function token(value: string): string {
  return `x${Buffer.from(value, 'utf8').toString('base64url')}`;
}

/** The string a token stands for; undefined when it is not one `token` makes. */
export function untoken(text: string): string | undefined {
  if (!text.startsWith('x') || !/^[A-Za-z0-9_-]*$/.test(text.slice(1))) return undefined;
  return Buffer.from(text.slice(1), 'base64url').toString('utf8');
}

export class NatsNames {
  readonly #prefix: string;

  /** `prefix` is nats.prefix: letters, digits, '_' and '-' (checked by the config schema). */
  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  // ---- core pub/sub --------------------------------------------------------------------------

  /** Traffic of one app channel. */
  channelSubject(appId: string, channel: string): string {
    return `${this.#prefix}.pub.${token(appId)}.${token(channel)}`;
  }

  /** Control messages every node listens to. */
  get controlSubject(): string {
    return `${this.#prefix}.control`;
  }

  /** Control messages for one node. */
  nodeSubject(nodeId: string): string {
    return `${this.#prefix}.node.${token(nodeId)}`;
  }

  // ---- JetStream KV buckets ------------------------------------------------------------------

  /** Channel, connection and user records, ownership, pending-transition hints, node registry. */
  get stateBucket(): string {
    return `${this.#prefix}-state`;
  }

  /** Node heartbeats; the bucket's max age is the node timeout. */
  get aliveBucket(): string {
    return `${this.#prefix}-alive`;
  }

  /** Cache channels' last events and cache_miss markers. */
  get cacheBucket(): string {
    return `${this.#prefix}-cache`;
  }

  // ---- keys of the state bucket (see nats-cluster-state.ts for what each holds) --------------

  channel(appId: string, channel: string): string {
    return `c.${token(appId)}.${token(channel)}`;
  }

  /** The node holding an HTTP fallback session (nats-session-registry.ts). */
  httpSession(id: string): string {
    return `h.${token(id)}`;
  }

  get httpSessions(): string {
    return 'h.*';
  }

  /** Every channel record of an app. */
  channelsOf(appId: string): string {
    return `c.${token(appId)}.*`;
  }

  /** The channel name of a channel record's key. */
  parseChannel(key: string): string | undefined {
    const [kind, app, channel, ...rest] = key.split('.');
    return kind === 'c' && app !== undefined && channel !== undefined && rest.length === 0 ? untoken(channel) : undefined;
  }

  connections(appId: string): string {
    return `k.${token(appId)}`;
  }

  user(appId: string, userId: string): string {
    return `u.${token(appId)}.${token(userId)}`;
  }

  /** Hint that a channel record holds pending transitions. */
  pendingHint(appId: string, channel: string): string {
    return `p.${token(appId)}.${token(channel)}`;
  }

  get pendingHints(): string {
    return 'p.>';
  }

  /** Decodes a pending-hint key into its app and channel. */
  parsePendingHint(key: string): { appId: string; channel: string } | undefined {
    const [kind, app, channel, ...rest] = key.split('.');
    if (kind !== 'p' || app === undefined || channel === undefined || rest.length > 0) return undefined;
    const appId = untoken(app);
    const name = untoken(channel);
    return appId === undefined || name === undefined ? undefined : { appId, channel: name };
  }

  /**
   * One entry a node owns. A subscription's key also names its presence member, so whoever cleans
   * up after the node knows which member to take away without reading values.
   */
  owned(nodeId: string, entry: OwnedEntry, memberKey?: string): string {
    const base = `o.${token(nodeId)}.${token(encodeOwned(entry))}`;
    return memberKey === undefined ? base : `${base}.${token(memberKey)}`;
  }

  ownedBy(nodeId: string): string {
    return `o.${token(nodeId)}.>`;
  }

  parseOwned(key: string): { entry: OwnedEntry; memberKey: string | undefined } | undefined {
    const [kind, , entryToken, memberToken, ...rest] = key.split('.');
    if (kind !== 'o' || entryToken === undefined || rest.length > 0) return undefined;
    const text = untoken(entryToken);
    const entry = text === undefined ? undefined : decodeOwned(text);
    const memberKey = memberToken === undefined ? undefined : untoken(memberToken);
    if (entry === undefined || (memberToken !== undefined && memberKey === undefined)) return undefined;
    return { entry, memberKey };
  }

  /** A node's registration, present from its start until another node claims it. */
  node(nodeId: string): string {
    return `n.${token(nodeId)}`;
  }

  get nodes(): string {
    return 'n.>';
  }

  parseNode(key: string): string | undefined {
    const [kind, id, ...rest] = key.split('.');
    return kind === 'n' && id !== undefined && rest.length === 0 ? untoken(id) : undefined;
  }

  /** Heartbeat key in the alive bucket. */
  alive(nodeId: string): string {
    return token(nodeId);
  }

  /** Every heartbeat key. */
  get aliveKeys(): string {
    return '*';
  }

  /** The incarnation a heartbeat key stands for. */
  parseAlive(key: string): string | undefined {
    return untoken(key);
  }

  /** Key in the cache bucket. */
  cache(appId: string, channel: string): string {
    return `${token(appId)}.${token(channel)}`;
  }
}
