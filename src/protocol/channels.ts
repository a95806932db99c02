/**
 * Channel names and types (protocol §4). Pure functions; no I/O.
 *
 * The type is decided by prefix, checked in the order presence -> private-encrypted -> private ->
 * public; "cache" is an orthogonal flag. `#server-to-user-{id}` is the one server-only form.
 */

export type ChannelKind = 'public' | 'private' | 'encrypted' | 'presence' | 'user';

export interface ChannelType {
  readonly kind: ChannelKind;
  /** Last published event is kept and replayed on subscribe. */
  readonly cache: boolean;
}

export const USER_CHANNEL_PREFIX = '#server-to-user-';
/**
 * Routing-only channel of the watchers of one user (`#watchlist-{id}`): never subscribable by
 * clients ('#' is outside the channel character set), and its events carry no channel field.
 */
export const WATCHLIST_CHANNEL_PREFIX = '#watchlist-';

const NAME_PATTERN = /^[A-Za-z0-9_\-=@,.;]+$/;

const PREFIXES: readonly (readonly [string, ChannelType])[] = [
  ['presence-cache-', { kind: 'presence', cache: true }],
  ['presence-', { kind: 'presence', cache: false }],
  ['private-encrypted-cache-', { kind: 'encrypted', cache: true }],
  ['private-encrypted-', { kind: 'encrypted', cache: false }],
  ['private-cache-', { kind: 'private', cache: true }],
  ['private-', { kind: 'private', cache: false }],
  ['cache-', { kind: 'public', cache: true }],
];

const PUBLIC: ChannelType = { kind: 'public', cache: false };
const USER: ChannelType = { kind: 'user', cache: false };

export function channelType(name: string): ChannelType {
  if (name.startsWith(USER_CHANNEL_PREFIX)) return USER;
  for (const [prefix, type] of PREFIXES) {
    if (name.startsWith(prefix)) return type;
  }
  return PUBLIC;
}

export type ChannelNameProblem = 'invalid' | 'too-long';

/**
 * Checks a channel name against the character set and the length limit (prefixes included).
 * `#server-to-user-{id}` is accepted when the id itself uses the channel character set.
 */
export function checkChannelName(name: string, maxLength: number): ChannelNameProblem | undefined {
  if (name.length > maxLength) return 'too-long';
  const body = name.startsWith(USER_CHANNEL_PREFIX) ? name.slice(USER_CHANNEL_PREFIX.length) : name;
  return NAME_PATTERN.test(body) ? undefined : 'invalid';
}

/** Channels that need a signed `auth` token on subscribe. */
export function requiresAuth(type: ChannelType): boolean {
  return type.kind === 'private' || type.kind === 'encrypted' || type.kind === 'presence';
}

/** Client events are allowed on private and presence channels only (not encrypted: clients cannot). */
export function allowsClientEvents(type: ChannelType): boolean {
  return type.kind === 'private' || type.kind === 'presence';
}

export function userChannel(userId: string): string {
  return USER_CHANNEL_PREFIX + userId;
}

export function watchlistChannel(userId: string): string {
  return WATCHLIST_CHANNEL_PREFIX + userId;
}

export function isWatchlistChannel(name: string): boolean {
  return name.startsWith(WATCHLIST_CHANNEL_PREFIX);
}

/** User ids share the channel-name character set (docs `authenticating-users`). */
export function isValidUserId(id: string, maxLength: number): boolean {
  return id.length > 0 && id.length <= maxLength && NAME_PATTERN.test(id);
}
