/**
 * Redis key and channel names. App ids are URI-encoded so no separator can occur in them; channel
 * names cannot contain ':' or '|' (protocol §4; internal names start with '#').
 */
export class RedisKeys {
  readonly #prefix: string;

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  get prefix(): string {
    return this.#prefix;
  }

  #app(appId: string): string {
    return `${this.#prefix}a:${encodeURIComponent(appId)}:`;
  }

  /** HASH socket id -> member key ('' on non-presence channels). */
  subscriptions(appId: string, channel: string): string {
    return `${this.#app(appId)}ch:${channel}:s`;
  }

  /** HASH member key -> JSON {userId, userInfo}. */
  members(appId: string, channel: string): string {
    return `${this.#app(appId)}ch:${channel}:m`;
  }

  /** HASH member key -> connections of that member in the channel. */
  memberConnections(appId: string, channel: string): string {
    return `${this.#app(appId)}ch:${channel}:mc`;
  }

  /** ZSET (all scores 0, ordered by name) of occupied channels, for prefix queries. */
  channels(appId: string): string {
    return `${this.#app(appId)}channels`;
  }

  /** SET of connected socket ids, for the connection quota. */
  connections(appId: string): string {
    return `${this.#app(appId)}connections`;
  }

  /** SET of the socket ids signed in as a user. */
  user(appId: string, userId: string): string {
    return `${this.#app(appId)}user:${userId}`;
  }

  /** STRING JSON {event, data} with the cache TTL. */
  cache(appId: string, channel: string): string {
    return `${this.#app(appId)}cache:${channel}`;
  }

  /** STRING marker: a cache_miss was reported for this empty channel. */
  cacheMiss(appId: string, channel: string): string {
    return `${this.#app(appId)}miss:${channel}`;
  }

  /** ZSET of debounced transitions, scored by due time (see PendingTransitions). */
  get pending(): string {
    return `${this.#prefix}pending`;
  }

  /** SET of node ids that have registered. */
  get nodes(): string {
    return `${this.#prefix}nodes`;
  }

  /** STRING with a TTL, refreshed while the node lives. */
  alive(nodeId: string): string {
    return `${this.#prefix}node:${nodeId}:alive`;
  }

  /** SET of the entries a node owns (see Ownership), removed when it dies. */
  owned(nodeId: string): string {
    return `${this.#prefix}node:${nodeId}:own`;
  }

  /** STRING: the node holding an HTTP fallback session. */
  httpSession(id: string): string {
    return `${this.#prefix}http-session:${id}`;
  }

  /** Pub/sub channel of one app channel. */
  channelTopic(appId: string, channel: string): string {
    return `${this.#prefix}pub:${encodeURIComponent(appId)}:${channel}`;
  }

  /** Pub/sub channel every node listens to. */
  get controlTopic(): string {
    return `${this.#prefix}control`;
  }

  /** Pub/sub channel of one node. */
  nodeTopic(nodeId: string): string {
    return `${this.#prefix}node:${nodeId}`;
  }
}
