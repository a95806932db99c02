/**
 * The effective configuration with its secrets replaced, for `switchboard config check` (and
 * anything else that prints or logs a config). Redacted: every app secret, the password of a
 * URL with credentials (redis.url, nats.servers, appStore.url, storage.url), appStore.encryptionKey,
 * tls.passphrase, admin.token, and every webhook header value, since such headers exist to carry
 * credentials (Authorization, API keys); header names stay visible.
 */
import type { Config } from './schema.js';

export const REDACTED = '[redacted]';

/** `scheme://user:password@host` -> `scheme://user:[redacted]@host`; a bare `user@` is kept. */
export function redactUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, `$1:${REDACTED}@`);
}

export function redactConfig(config: Config): unknown {
  return {
    ...config,
    apps: config.apps.map((app) => ({
      ...app,
      secret: REDACTED,
      webhooks: app.webhooks.map((webhook) =>
        webhook.headers === undefined
          ? webhook
          : { ...webhook, headers: Object.fromEntries(Object.keys(webhook.headers).map((name) => [name, REDACTED])) },
      ),
    })),
    redis: { ...config.redis, ...(config.redis.url === undefined ? {} : { url: redactUrlPassword(config.redis.url) }) },
    admin: { ...config.admin, ...(config.admin.token === undefined ? {} : { token: REDACTED }) },
    tls: { ...config.tls, ...(config.tls.passphrase === undefined ? {} : { passphrase: REDACTED }) },
    nats: { ...config.nats, ...(config.nats.servers === undefined ? {} : { servers: config.nats.servers.map(redactUrlPassword) }) },
    appStore: {
      ...config.appStore,
      ...(config.appStore.url === undefined ? {} : { url: redactUrlPassword(config.appStore.url) }),
      ...(config.appStore.encryptionKey === undefined ? {} : { encryptionKey: REDACTED }),
    },
    storage: { ...config.storage, url: redactUrlPassword(config.storage.url) },
  };
}
