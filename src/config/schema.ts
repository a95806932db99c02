/**
 * The one configuration schema: defaults, limits and descriptions live here. The environment
 * variable mapping (config/env.ts) and docs/configuration.md are derived from it, so a key that
 * exists here is documented and settable, and nothing else is accepted (unknown keys are errors).
 *
 * App limits default to Pusher's documented limits (protocol §10).
 */
import proxyAddr from 'proxy-addr';
import { z } from 'zod';
import { appSchema, positiveInt, type pushWebhookSchema, type webhookSchema } from './app-schema.js';
import { storageSchema, type chatSchema } from './feature-schemas.js';

export { appSchema, ORIGIN_PATTERN, PUSH_WEBHOOK_EVENT_TYPES, RESERVED_WEBHOOK_HEADERS, WEBHOOK_EVENT_TYPES } from './app-schema.js';

/**
 * An entry of http.trustProxy: an IP address, a CIDR range (or IPv4 address/netmask), or one of
 * proxy-addr's names loopback, linklocal, uniquelocal (the same compiler the server uses).
 */
function isTrustProxyEntry(entry: string): boolean {
  try {
    proxyAddr.compile(entry);
    return true;
  } catch {
    return false;
  }
}

export const configSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1').describe('Interface to listen on.'),
  port: z.int().min(0).max(65_535).default(6001).describe('Port for WebSocket, HTTP API and HTTP transports; 0 picks a free one.'),
  apps: z.array(appSchema).default([]).describe(
    'Apps served. Empty: one development app (key app-key) on loopback only. With appStore.url: inserted into the store at boot when their id is absent, never overwritten.',
  ),
  activityTimeout: positiveInt()
    .default(120)
    .describe('Seconds of client silence before the server pings it; also sent to clients as activity_timeout.'),
  pongTimeout: positiveInt().default(30).describe('Seconds to wait for any reply to a server ping before closing with 4201.'),
  subscriptionCountThrottle: z
    .strictObject({
      threshold: positiveInt().default(100).describe('Above this many subscribers, subscription_count events are throttled.'),
      interval: positiveInt().default(30).describe('Seconds between subscription_count events on a throttled channel.'),
    })
    .prefault({})
    .describe('Throttling of subscription_count events on large channels, as Pusher does.'),
  shutdownGracePeriod: positiveInt().default(10).describe('Seconds a graceful shutdown may take before the process exits anyway.'),
  websocket: z
    .strictObject({
      maxPayloadBytes: positiveInt().default(102_400).describe('Largest incoming WebSocket message; larger ones close with 1009.'),
      maxBufferedBytes: positiveInt()
        .default(1_048_576)
        .describe(
          'Outgoing bytes a WebSocket may have pending (queued or in its socket buffer) for long: a reader that stays above it for 5 s, or goes above 4 times it, is closed with 4100. A burst it drains within 5 s is not slowness.',
        ),
      compression: z.boolean().default(false).describe('Negotiate permessage-deflate (costs CPU and memory per connection).'),
    })
    .prefault({})
    .describe('WebSocket transport.'),
  http: z
    .strictObject({
      maxBodyBytes: positiveInt().default(1_048_576).describe('Largest HTTP API request body (413 over it).'),
      keepAliveTimeout: positiveInt().default(65).describe('Seconds an idle keep-alive HTTP connection stays open.'),
      requestTimeout: positiveInt()
        .default(30)
        .describe(
          'Seconds a client has to send a whole HTTP request, headers and body (HTTP API calls, xhr_send, upgrades); a slower one gets 408 and is disconnected. With tls.*, also the time a TLS handshake may take.',
        ),
      trustProxy: z
        .union(
          [
            z.boolean(),
            z.array(
              z.string().refine(isTrustProxyEntry, 'must be an IP address, a CIDR range (10.0.0.0/8, fd00::/8) or loopback, linklocal, uniquelocal'),
            ),
          ],
          { error: 'must be true, false or a list of addresses and CIDR ranges' },
        )
        .default(false)
        .describe(
          'Peers whose X-Forwarded-For and X-Forwarded-Proto are believed (the client address for perAddress limits and logs, and the scheme): false trusts none; a list trusts those addresses, CIDR ranges and the names loopback, linklocal, uniquelocal; true trusts every peer, so any client can claim any address: only when nothing but the proxy can reach the port. See docs/deployment.md.',
        ),
    })
    .prefault({})
    .describe('HTTP server.'),
  tls: z
    .strictObject({
      cert: z
        .string()
        .min(1)
        .optional()
        .describe('PEM file with the certificate (and any intermediates after it). Set with tls.key: the main listener serves only https:// and wss://.'),
      key: z.string().min(1).optional().describe('PEM file with the private key of tls.cert.'),
      ca: z
        .string()
        .min(1)
        .optional()
        .describe('PEM file with intermediate CA certificates sent with tls.cert, when tls.cert holds the leaf certificate only.'),
      passphrase: z.string().optional().describe('Passphrase of an encrypted tls.key.'),
    })
    .prefault({})
    .superRefine((tls, context) => {
      if ((tls.cert === undefined) !== (tls.key === undefined)) {
        const [missing, present] = tls.cert === undefined ? ['cert', 'key'] : ['key', 'cert'];
        context.addIssue({ code: 'custom', path: [missing], message: `required with tls.${present} (set both tls.cert and tls.key, or neither)` });
      }
      for (const extra of ['ca', 'passphrase'] as const) {
        if (tls[extra] !== undefined && tls.cert === undefined && tls.key === undefined) {
          context.addIssue({ code: 'custom', path: [extra], message: 'needs tls.cert and tls.key (it only applies with TLS on)' });
        }
      }
    })
    .describe(
      'TLS on the main listener (WebSocket, HTTP fallbacks, HTTP API); the admin listener stays plain HTTP. Files are read at start and again on SIGHUP (see docs/tls.md).',
    ),
  perAddress: z
    .strictObject({
      maxConnections: positiveInt()
        .optional()
        .describe(
          'Open connections (WebSockets and HTTP fallback sessions) one remote address may hold on this node; a new one over it closes with 4101. Unlimited when absent.',
        ),
      connectionsPerSecond: positiveInt()
        .optional()
        .describe(
          'New connections one remote address may open per second on this node (bursts of this many, refilled over a second); over it they close with 4102. Unlimited when absent.',
        ),
      maxTrackedAddresses: positiveInt()
        .default(100_000)
        .describe('Most idle addresses remembered for connectionsPerSecond (and, apart, for push.registrationsPerMinute); the least recently seen are forgotten first.'),
    })
    .prefault({})
    .describe(
      'Limits per client address (the TCP peer, or the forwarded client from a peer in http.trustProxy), off by default. Behind a proxy, set http.trustProxy first: otherwise every client shares the proxy\'s address. pusher-js reconnects after a back-off on 4101/4102.',
    ),
  httpPath: z
    .string()
    .regex(/^(\/[^/?#\s]+)*$/, 'must be empty or start with / and not end with /')
    .default('/pusher')
    .describe('Prefix of the pusher-js HTTP fallback transports ({httpPath}/app/{key}/...); set pusher-js httpPath to the same value.'),
  httpTransports: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Serve the pusher-js xhr_streaming and xhr_polling fallback transports.'),
      maxQueuedBytes: positiveInt()
        .default(1_048_576)
        .describe('Outgoing bytes an HTTP session may have waiting for its client; over it the session closes with 4100.'),
      maxSendBytes: positiveInt()
        .default(102_400)
        .describe('Largest xhr_send request body (413 over it).'),
      maxPendingMessages: positiveInt()
        .default(64)
        .describe(
          'Incoming messages an HTTP session may hold before applying them: an xhr_send that would exceed it gets 429; past it, out-of-order sends are applied without waiting.',
        ),
      maxSessionsPerApp: positiveInt()
        .default(10_000)
        .describe('Open HTTP sessions per app key; a new one over it is closed with 4100 (pusher-js retries after a second).'),
      heartbeatInterval: z
        .int()
        .min(1)
        .max(29)
        .default(25)
        .describe('Seconds between heartbeats on a stream, and the longest a poll is held; under pusher-js pongTimeout (30 s).'),
      disconnectGrace: positiveInt()
        .default(5)
        .describe('Seconds a session may go without a receive request before it is ended like a closed socket.'),
      reorderWindowMs: z
        .int()
        .min(0)
        .max(5_000)
        .default(100)
        .describe('Milliseconds an xhr_send may wait for an earlier-numbered one (query n) to restore the client order; 0 applies them as they arrive.'),
    })
    .prefault({})
    .describe('pusher-js HTTP fallback transports (xhr_streaming, xhr_polling).'),
  webhooks: z
    .strictObject({
      batchWindowMs: positiveInt()
        .default(250)
        .describe('Milliseconds a webhook request waits for more events of the same app and endpoint (Pusher: 250).'),
      batchSize: positiveInt().max(1_000).default(20).describe('Most events in one webhook request (Pusher: 20; 1 sends each event alone).'),
      requestTimeoutMs: positiveInt()
        .default(4_000)
        .describe('Milliseconds an endpoint has to answer 2xx; a later answer counts as a failed attempt.'),
      retryInitialDelayMs: positiveInt().default(1_000).describe('Delay before the first retry of a failed webhook request; each retry doubles it.'),
      retryMaxDelayMs: positiveInt().default(60_000).describe('Longest delay between two attempts of one webhook request.'),
      retryPeriodMs: z
        .int()
        .min(0)
        .default(300_000)
        .describe('How long a failed webhook request is retried, counted from its creation; the last attempt is made at this age, then it is dropped and logged.'),
      concurrency: positiveInt().max(1_000).default(16).describe('Webhook requests in flight at once, per process.'),
      maxInFlightPerEndpoint: positiveInt()
        .max(1_000)
        .default(4)
        .describe(
          'Webhook requests in flight at once to one endpoint URL, per process (at most concurrency): the other requests keep going to other endpoints while one is slow or down.',
        ),
      maxQueuedBatches: positiveInt()
        .default(10_000)
        .describe('Most webhook requests waiting for delivery or a retry (in this process, or in Redis when redis.url is set); new ones over it are dropped and logged.'),
      transitionDelayMs: z
        .int()
        .min(0)
        .default(3_000)
        .describe('Milliseconds channel_vacated and member_removed wait; a return within it cancels both (Pusher: about 3 s).'),
    })
    .prefault({})
    .describe('Webhook delivery, for every app (endpoints are set per app in apps[].webhooks).'),
  push: z
    .strictObject({
      enabled: z
        .boolean()
        .default(false)
        .describe('Serve the push notification API (Pusher Beams compatible, delivered over Web Push; see docs/push.md). Devices are kept in the storage layer.'),
      vapidSubject: z
        .string()
        .regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, 'must be a mailto: address or an https: URL')
        .default('mailto:push@switchboard.invalid')
        .describe('Contact sent to push services in every VAPID token (RFC 8292 sub): a mailto: address or https: URL where the operator can be reached. Set it: some push services refuse placeholder contacts.'),
      endpointHosts: z
        .array(z.string().regex(/^[A-Za-z0-9.-]+$/, 'must be a host name'))
        .min(1)
        .optional()
        .describe('Push service hosts (and their subdomains) device subscriptions may point at. Unset: any https: endpoint.'),
      allowHttpEndpoints: z.boolean().default(false).describe('Accept http: subscription endpoints (a local push service in tests); off in production.'),
      publishesPerSecond: positiveInt().default(100).describe('Publishes per second per app, per node; over it: 429 with Retry-After.'),
      registrationsPerMinute: positiveInt()
        .optional()
        .describe(
          "Device registrations (the web SDK's start(): POST .../devices/web) one client address may make per minute, per node (bursts of this many, refilled over the minute); over it: 429 with Retry-After. The device API is public, so this bounds how fast one client can fill the device table. Unlimited when absent, like the perAddress limits: behind a proxy, set http.trustProxy first, otherwise every client shares the proxy's address.",
        ),
      concurrency: positiveInt().max(10_000).default(256).describe('Requests to push services in flight at once, per process.'),
      encryptionThreads: z
        .number()
        .int()
        .min(0)
        .max(64)
        .optional()
        .describe('Worker threads that encrypt push messages (RFC 8291: an ECDH per message, most of the CPU a message costs), per process. Unset: os.availableParallelism() less 2 (a core for the event loop, one for the rest of the machine), so none on 2 cores, where the hand-off cost more than it gave; 0: on the main thread.'),
      jobConcurrency: positiveInt().max(1_000).default(8).describe('Queue jobs (a fan-out page, or a batch of up to 100 devices) run at once, per process.'),
      requestTimeoutMs: positiveInt().default(10_000).describe('Milliseconds a push service has to answer one message; a later answer counts as a failed attempt (retried).'),
      retryInitialDelayMs: positiveInt().default(1_000).describe('Delay before the first retry of a message a push service answered 429 or 5xx (its Retry-After wins when longer); doubled each time.'),
      retryMaxDelayMs: positiveInt().default(300_000).describe('Longest delay between two attempts of one message; retries stop when the publish time_to_live runs out.'),
      maxQueuedJobs: positiveInt().default(100_000).describe('Most jobs waiting in the push queue (this process, or Redis when redis.url is set); new publishes over it get 503.'),
    })
    .prefault({})
    .describe('Push notifications (Pusher Beams API, Web Push delivery).'),
  redis: z
    .strictObject({
      url: z
        .string()
        .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
        .optional()
        .describe(
          'Redis server (redis://[user:password@]host:port[/db]). Set without nats.servers: nodes share state and traffic through it. Unset: everything stays in this process.',
        ),
      sentinels: z
        .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'use host:port'))
        .min(1)
        .optional()
        .describe('Redis Sentinel addresses (host:port). Set: the primary is found and followed through them; redis.url then only gives credentials, database and TLS.'),
      sentinelName: z.string().min(1).default('mymaster').describe('Name of the Sentinel-monitored primary.'),
      keyPrefix: z.string().min(1).default('switchboard:').describe('Prefix of every Redis key and channel Switchboard uses.'),
    })
    .prefault({})
    .describe('Redis connection.'),
  nats: z
    .strictObject({
      servers: z
        .array(z.string().min(1))
        .min(1)
        .optional()
        .describe('NATS servers (host:port, comma-separated in the environment). Set: nodes share traffic over NATS and state in JetStream KV.'),
      prefix: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, _ and -')
        .default('switchboard')
        .describe('Prefix of the NATS subjects and JetStream KV buckets Switchboard uses.'),
    })
    .prefault({})
    .describe('NATS connection.'),
  cluster: z
    .strictObject({
      nodeTimeout: positiveInt()
        .default(10)
        .describe('Seconds without a heartbeat after which a node is presumed dead and its members, counts and sign-ins are removed by the others.'),
    })
    .prefault({})
    .describe('Running several nodes (with redis.url or nats.servers).'),
  admin: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Serve the admin listener (/metrics, /ready) for operators.'),
      host: z
        .string()
        .min(1)
        .default('127.0.0.1')
        .describe('Interface of the admin listener; never expose it to clients. A non-loopback host needs admin.token.'),
      port: z.int().min(0).max(65_535).default(9601).describe('Port of the admin listener; 0 picks a free one.'),
      token: z
        .string()
        .min(16, 'use at least 16 characters')
        .optional()
        .describe('Bearer token every admin request must carry (Authorization: Bearer <token>); required when admin.host is not loopback.'),
    })
    .prefault({})
    .describe('The admin listener: metrics and health for operators, on its own port. With --workers, the primary serves it for every worker.'),
  appStore: z
    .strictObject({
      url: z
        .string()
        .regex(/^(postgres|postgresql|mysql):\/\/[^\s]+$/, 'must start with postgres:// or mysql://')
        .optional()
        .describe(
          'Database holding the apps: postgres://user:password@host:port/db (PostgreSQL) or mysql://user:password@host:port/db (MySQL, MariaDB). Unset: apps come from the config file.',
        ),
      table: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]{0,47}$/, 'use letters, digits and _ (at most 48), not starting with a digit')
        .default('switchboard_apps')
        .describe('Table holding the apps; created and migrated at boot (and by switchboard migrate).'),
      encryptionKey: z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 random bytes)')
        .optional()
        .describe('Key that encrypts app secrets at rest (AES-256-GCM), as 64 hex characters. Unset: secrets are stored as given.'),
      secretGraceSeconds: z
        .int()
        .min(0)
        .default(3_600)
        .describe('Seconds the previous secret still verifies HTTP API and auth signatures after a rotation.'),
      refreshSeconds: positiveInt()
        .default(30)
        .describe('Seconds between re-reads of the cached apps, so that changes made directly in SQL take effect.'),
      cacheSize: positiveInt().default(10_000).describe('Most apps held in the in-memory cache of each process.'),
      missCacheSize: positiveInt()
        .default(10_000)
        .describe('Most unknown app keys and ids remembered as unknown (for refreshSeconds), so a flood of them does not reach the database.'),
      poolSize: positiveInt().max(100).default(5).describe('Most database connections per process.'),
      queryTimeoutMs: positiveInt()
        .default(2_000)
        .describe('Milliseconds a database connection attempt or query may take before it counts as failed.'),
    })
    .prefault({})
    .describe('Apps kept in PostgreSQL or MySQL, managed live through the admin API and switchboard apps (see docs/apps.md).'),
  storage: storageSchema,
  workers: positiveInt()
    .optional()
    .describe('Worker processes sharing the port (like --workers). Default: one per core with a bus configured, otherwise 1.'),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level.'),
      maxBufferedBytes: positiveInt()
        .default(4_194_304)
        .describe('Log output waiting for stdout to be read; when it is full, new lines are dropped and counted (see docs/logging.md).'),
    })
    .prefault({})
    .describe('Logging (JSON lines on stdout).'),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type AppConfig = z.output<typeof appSchema>;
export type WebhookConfig = z.output<typeof webhookSchema>;
export type PushWebhookConfig = z.output<typeof pushWebhookSchema>;
export type WebhookSettings = Config['webhooks'];
export type PushSettings = Config['push'];
export type AppStoreSettings = Config['appStore'];
export type StorageConfig = Config['storage'];
export type ChatConfig = z.output<typeof chatSchema>;
