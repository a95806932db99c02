/**
 * What a node owns in shared cluster state. Each node records the entries it adds (subscriptions,
 * signed-in users, connections); when the node dies, a surviving node claims them and removes them
 * through the normal operations, so members leave and channels vacate exactly once.
 */
export type OwnedEntry =
  | { readonly kind: 'subscription'; readonly appId: string; readonly channel: string; readonly socketId: string }
  | { readonly kind: 'user'; readonly appId: string; readonly userId: string; readonly socketId: string }
  | { readonly kind: 'connection'; readonly appId: string; readonly socketId: string };

export function encodeOwned(entry: OwnedEntry): string {
  switch (entry.kind) {
    case 'subscription':
      return JSON.stringify(['s', entry.appId, entry.channel, entry.socketId]);
    case 'user':
      return JSON.stringify(['u', entry.appId, entry.userId, entry.socketId]);
    case 'connection':
      return JSON.stringify(['c', entry.appId, entry.socketId]);
  }
}

export function decodeOwned(text: string): OwnedEntry | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) return undefined;
  const [kind, appId, a, b] = parsed;
  if (appId === undefined || a === undefined) return undefined;
  if (kind === 's' && b !== undefined) return { kind: 'subscription', appId, channel: a, socketId: b };
  if (kind === 'u' && b !== undefined) return { kind: 'user', appId, userId: a, socketId: b };
  if (kind === 'c') return { kind: 'connection', appId, socketId: a };
  return undefined;
}

/** This node's identity and liveness in shared state. */
export interface NodeMembership {
  readonly nodeId: string;
  /**
   * Claims the entries of nodes that stopped heartbeating; each dead node is claimed by exactly
   * one caller, and its entries are no longer owned by anyone. The caller removes them through
   * the normal operations (leave, remove) and reports what that changes.
   */
  claimOrphans(): Promise<readonly OwnedEntry[]>;
  /**
   * The entries shared state holds as this node's, for a node that doubts them (a change of its
   * failed, so whether it was applied is unknown): the caller retires those no live connection
   * backs and re-asserts the live ones missing. Each entry's removal is idempotent (removing it
   * twice changes nothing), so retiring races neither a connection's own release nor a survivor.
   * A store that cannot remove an entry idempotently starts this node afresh instead, under a new
   * identity that owns nothing (so every live entry is re-asserted), and leaves what the previous
   * identity owned to be claimed and removed like a dead node's once `reconciled` is called.
   */
  ownEntries(): Promise<readonly OwnedEntry[]>;
  /**
   * Called after a reconciliation pass re-asserted every live entry. A store that started this
   * node afresh keeps the previous identities alive until now, so that no survivor removes an
   * entry before its replacement under the new identity exists (a live member would leave and
   * come back); from now on they can be claimed. Never rejects: a failure to let them go is
   * reported, and they expire within the node timeout.
   */
  reconciled(): Promise<void>;
  /**
   * Registers the callback for when this node's entries were lost: the store restarted empty, or
   * other nodes presumed this node dead while it could not reach the store. The node re-asserts
   * everything it holds.
   */
  onLost(listener: () => void): void;
  /**
   * The ids of the nodes whose heartbeat is current, this node's included while its own is: one
   * read of the store, for logging membership changes and the cluster-nodes gauge. A node that
   * stopped (or whose heartbeat expired) is absent at once, before anyone claims its entries.
   */
  liveNodes(): Promise<readonly string[]>;
}
