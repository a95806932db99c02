/**
 * Counts kept per node inside a shared record (subscriptions of a channel, connections of an app,
 * sockets of a user): a node adds and takes away only its own share, and a node's share never
 * goes below zero, so a survivor taking away a dead node's entries, even twice or ones that were
 * never counted, ends with exactly the other nodes' shares.
 */
export type NodeCounts = Record<string, number>;

/**
 * Removes a key from a record. Records are plain JSON objects because that is what is stored;
 * removing a key is how such a map shrinks.
 */
export function removeKey(record: object, key: string): void {
  Reflect.deleteProperty(record, key);
}

export function totalOf(counts: NodeCounts | undefined): number {
  let sum = 0;
  for (const count of Object.values(counts ?? {})) sum += count;
  return sum;
}

/** Adds `delta` to the node's share; false (and no change) when there was nothing to take away. */
export function adjust(counts: NodeCounts, nodeId: string, delta: 1 | -1): boolean {
  const next = (counts[nodeId] ?? 0) + delta;
  if (next < 0) return false;
  if (next === 0) removeKey(counts, nodeId);
  else counts[nodeId] = next;
  return true;
}
