/**
 * Where Redis is, from the config: one server (`redis.url`), or a Sentinel-managed primary
 * (`redis.sentinels` + `redis.sentinelName`, with credentials, database and TLS from `redis.url`
 * if given). ioredis follows failovers announced by the sentinels on its own.
 */
import type { RedisOptions } from 'ioredis';
import type { Config } from './schema.js';

export type RedisTarget =
  | { readonly kind: 'server'; readonly url: string }
  | {
      readonly kind: 'sentinel';
      readonly sentinels: readonly { readonly host: string; readonly port: number }[];
      readonly name: string;
      /** Credentials, database and TLS for the primary, if given. */
      readonly url: string | undefined;
    };

/** The configured Redis, or undefined when none is. */
export function redisTargetOf(config: Config): RedisTarget | undefined {
  const { url, sentinels, sentinelName } = config.redis;
  if (sentinels !== undefined) {
    return {
      kind: 'sentinel',
      sentinels: sentinels.map((entry) => {
        const colon = entry.lastIndexOf(':');
        return { host: entry.slice(0, colon), port: Number(entry.slice(colon + 1)) };
      }),
      name: sentinelName,
      url,
    };
  }
  return url === undefined ? undefined : { kind: 'server', url };
}

/** ioredis options for the target, merged over `base`. */
export function redisOptions(target: RedisTarget, base: RedisOptions = {}): RedisOptions {
  if (target.kind === 'server') return { ...base, ...optionsFromUrl(target.url, true) };
  return {
    ...base,
    ...(target.url === undefined ? {} : optionsFromUrl(target.url, false)),
    sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
    name: target.name,
  };
}

/** host/port (when `withAddress`), credentials, database and TLS of a redis:// or rediss:// URL. */
function optionsFromUrl(url: string, withAddress: boolean): RedisOptions {
  const parsed = new URL(url);
  const options: RedisOptions = {};
  if (withAddress) {
    options.host = parsed.hostname.replace(/^\[|\]$/g, '');
    options.port = parsed.port === '' ? 6379 : Number(parsed.port);
  }
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '') options.db = Number(db);
  if (parsed.protocol === 'rediss:') options.tls = {};
  return options;
}

/** A description for messages, without secrets. */
export function describeTarget(target: RedisTarget): string {
  if (target.kind === 'sentinel') {
    return `primary "${target.name}" via sentinels ${target.sentinels.map(({ host, port }) => `${host}:${port}`).join(', ')}`;
  }
  return target.url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
