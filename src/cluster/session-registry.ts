/**
 * SessionRegistry: which node holds each HTTP fallback session, so that a request reaching any
 * node (or worker) finds it. Only shared cluster states have one; a single process needs none.
 * An entry of a node that stopped heartbeating counts as absent.
 */
export type SessionClaim = { readonly owner: 'self' } | { readonly owner: 'other'; readonly nodeId: string };

export interface SessionRegistry {
  /** Records this node as the holder unless a live node already holds `id`. Atomic. */
  claim(id: string): Promise<SessionClaim>;
  /** The live node holding `id`, if any. */
  find(id: string): Promise<string | undefined>;
  /** Forgets `id` if this node holds it. */
  release(id: string): Promise<void>;
}
