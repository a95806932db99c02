/**
 * The debug tap: what the dashboard's debug console shows, as it happens. Core reports into it
 * through the functions of debug-entries.ts, each of which first asks `watches(appId)`; that
 * check is one size test while no console is open anywhere, and one set lookup while some are,
 * so no entry is built for an app nobody watches (the hot paths cost nothing while the dashboard
 * is closed).
 *
 * An app is watched while a viewer on this node follows it (`watch`) or another node announced
 * that one of its viewers does (`remoteInterest`, which expires unless renewed). Entries made
 * here go to this node's viewers and, for apps watched elsewhere, to `forward` (the console bus);
 * entries from other nodes arrive through `deliverRemote` and go to this node's viewers only.
 */

/** What happened, without where and when (the tap stamps those). */
export type DebugEntry =
  | {
      readonly kind: 'connection-opened';
      readonly socketId: string;
      readonly transport: string;
      readonly origin: string | undefined;
      readonly address: string;
    }
  | { readonly kind: 'connection-closed'; readonly socketId: string; readonly transport: string; readonly code: number; readonly reason: string }
  | { readonly kind: 'subscribed'; readonly socketId: string; readonly channel: string }
  | { readonly kind: 'unsubscribed'; readonly socketId: string; readonly channel: string }
  | { readonly kind: 'channel-occupied'; readonly channel: string }
  | { readonly kind: 'channel-vacated'; readonly channel: string }
  | { readonly kind: 'member-added'; readonly channel: string; readonly userId: string }
  | { readonly kind: 'member-removed'; readonly channel: string; readonly userId: string }
  | { readonly kind: 'api-message'; readonly channel: string; readonly event: string; readonly data: string; readonly socketId: string | undefined }
  | { readonly kind: 'client-event'; readonly socketId: string; readonly channel: string; readonly event: string; readonly data: string }
  | {
      readonly kind: 'webhook';
      readonly url: string;
      readonly ok: boolean;
      readonly attempt: number;
      readonly events: number;
      readonly reason: string | undefined;
    };

export type DebugEntryKind = DebugEntry['kind'];

/** An entry stamped with its app, the node it happened on and when (ms since the epoch). */
export type DebugRecord = DebugEntry & { readonly appId: string; readonly node: string; readonly time: number };

/** One open console (or the test's stand-in): receives the records of the app it watches. */
export interface DebugViewer {
  receive(record: DebugRecord): void;
  /** `count` records of the app were dropped before they reached this node (another node's bound). */
  missed(count: number): void;
}

/** Longest data text an entry carries; the rest is cut (the console shows it truncated). */
export const MAX_ENTRY_DATA_CHARS = 1_000;

/** `text` cut to MAX_ENTRY_DATA_CHARS, with an ellipsis when cut. */
export function truncateData(text: string): string {
  return text.length <= MAX_ENTRY_DATA_CHARS ? text : `${text.slice(0, MAX_ENTRY_DATA_CHARS)}…`;
}

export class DebugTap {
  readonly #node: string;
  readonly #now: () => number;
  /** Viewers on this node, by app id. */
  readonly #viewers = new Map<string, Set<DebugViewer>>();
  /** Apps watched on other nodes, with when that interest ends unless renewed. */
  readonly #remote = new Map<string, number>();
  /** Every app watched anywhere: the one structure the hot paths look at. */
  readonly #watched = new Set<string>();
  /** Set by the console bus: records of apps watched on other nodes go there. */
  forward: ((record: DebugRecord) => void) | undefined;
  /** Called when the set of apps watched on this node changes (the bus announces it at once). */
  onLocalChange: (() => void) | undefined;

  constructor(node: string, now: () => number = Date.now) {
    this.#node = node;
    this.#now = now;
  }

  /** True when some viewer, here or on another node, watches the app. The hot-path guard. */
  watches(appId: string): boolean {
    return this.#watched.size !== 0 && this.#watched.has(appId);
  }

  /** Reports an entry; callers build it only after `watches(appId)` said yes. */
  emit(appId: string, entry: DebugEntry): void {
    const record: DebugRecord = { ...entry, appId, node: this.#node, time: this.#now() };
    this.#deliver(record);
    if (this.forward !== undefined && this.#remote.has(appId)) this.forward(record);
  }

  /** A record made on another node (it carries that node's id). */
  deliverRemote(record: DebugRecord): void {
    this.#deliver(record);
  }

  /** Another node dropped `count` records of the app instead of forwarding them. */
  reportMissed(appId: string, count: number): void {
    for (const viewer of this.#viewers.get(appId) ?? []) viewer.missed(count);
  }

  /** Adds a viewer of the app; the returned function removes it (idempotent). */
  watch(appId: string, viewer: DebugViewer): () => void {
    let viewers = this.#viewers.get(appId);
    if (viewers === undefined) {
      viewers = new Set();
      this.#viewers.set(appId, viewers);
    }
    viewers.add(viewer);
    this.#watched.add(appId);
    this.onLocalChange?.();
    return () => {
      const current = this.#viewers.get(appId);
      if (current === undefined || !current.delete(viewer)) return;
      if (current.size === 0) this.#viewers.delete(appId);
      this.#recompute(appId);
      this.onLocalChange?.();
    };
  }

  /** Apps with a viewer on this node (announced to the other nodes). */
  locallyWatched(): string[] {
    return [...this.#viewers.keys()];
  }

  /** Viewers on this node of one app. */
  viewerCount(appId: string): number {
    return this.#viewers.get(appId)?.size ?? 0;
  }

  /** Another node watches the app until `untilMs` (renewed by each announcement). */
  remoteInterest(appId: string, untilMs: number): void {
    this.#remote.set(appId, Math.max(untilMs, this.#remote.get(appId) ?? 0));
    this.#watched.add(appId);
  }

  /** Forgets remote interest that has expired; true while some remains. */
  expireRemote(now: number): boolean {
    for (const [appId, until] of this.#remote) {
      if (until > now) continue;
      this.#remote.delete(appId);
      this.#recompute(appId);
    }
    return this.#remote.size > 0;
  }

  #recompute(appId: string): void {
    if (!this.#viewers.has(appId) && !this.#remote.has(appId)) this.#watched.delete(appId);
  }

  #deliver(record: DebugRecord): void {
    const viewers = this.#viewers.get(record.appId);
    if (viewers === undefined) return;
    for (const viewer of viewers) viewer.receive(record);
  }
}
