/**
 * `npm run example -- <name>` (examples/cli.ts): starts Switchboard on its
 * development app, serves the example's pages and its small backend (the auth endpoint, and what
 * else the example needs) on a second origin, and prints one address per role. A source checkout
 * tool, like `switchboard bench`: the pages are bundled from the checkout's dependencies.
 *
 * The development app is the usual one (key app-key, secret app-secret, client events on) with one
 * change: 100 client events per second per connection instead of 10, because the controller's phone
 * sends up to 100 inputs per second (see examples/README.md).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { networkInterfaces } from 'node:os';
import { DEVELOPMENT_APP, isLoopbackHost, parseConfig } from '../src/config/load.js';
import { createStdoutLogger, type Logger } from '../src/shared/logger.js';
import { Switchboard } from '../src/server.js';
import { ChannelAuthorizer } from './auth.js';
import { bundlePages } from './bundle.js';
import { EXAMPLES, exampleNamed } from './catalogue.js';
import { startPageServer } from './page-server.js';

/** The examples' sources (examples/ in the checkout), from dist/examples/run.js. */
export const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));

/** Client events per second per connection for the examples' app (Pusher's default is 10). */
export const EXAMPLE_CLIENT_EVENTS_PER_SECOND = 100;

export interface ExampleOptions {
  /** The interface both servers listen on; beyond loopback the app gets a random secret. */
  readonly host?: string | undefined;
  /** Switchboard's port (0: any free one). */
  readonly port?: number | undefined;
  /** The pages' port (0: any free one). */
  readonly pagePort?: number | undefined;
  /** The room every printed address joins; a random one when absent. */
  readonly room?: string | undefined;
  readonly logger: Logger;
}

export interface RunningExample {
  /** One address per role, in the example's order. */
  readonly urls: readonly { readonly role: string; readonly url: string }[];
  readonly origin: string;
  readonly switchboardPort: number;
  close(): Promise<void>;
}

/** An address others can open for `host`: for "all interfaces", this machine's first LAN address. */
function addressToOpen(host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host.includes(':') ? `[${host}]` : host;
  const lan = Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry !== undefined && entry.family === 'IPv4' && !entry.internal);
  return lan?.address ?? '127.0.0.1';
}

export async function startExample(name: string, options: ExampleOptions): Promise<RunningExample> {
  const example = exampleNamed(name);
  const host = options.host ?? '127.0.0.1';
  // The development app's well-known secret is for loopback only; a phone on the local network
  // needs the servers beyond it, with a secret nobody knows (only this process signs).
  const secret = isLoopbackHost(host) ? DEVELOPMENT_APP.secret : randomBytes(32).toString('hex');
  const app = { ...DEVELOPMENT_APP, secret, clientEventsPerSecond: EXAMPLE_CLIENT_EVENTS_PER_SECOND };
  const config = parseConfig({ host, port: options.port ?? 6001, admin: { enabled: false }, apps: [app] });
  const pageDir = join(EXAMPLES_DIR, example.name, 'page');
  const bundles = await bundlePages(pageDir, example.pages.map((page) => page.page));
  // The development app's start-up warning is left out: the runner prints the app it serves itself.
  const switchboard = await Switchboard.create(config, { logger: options.logger });
  const address = await switchboard.start();
  try {
    const pages = await startPageServer(
      {
        example,
        pageDir,
        bundles,
        config: { key: app.key, port: address.port },
        authorizer: new ChannelAuthorizer(app, host, address.port),
        backend: example.backend?.(),
      },
      host,
      options.pagePort ?? 6080,
    );
    const room = options.room ?? randomBytes(4).toString('hex');
    const origin = `http://${addressToOpen(host)}:${new URL(pages.origin).port}`;
    return {
      urls: example.pages.map((page) => ({ role: page.role, url: `${origin}/${page.page}.html?room=${room}` })),
      origin,
      switchboardPort: address.port,
      close: async () => {
        await pages.close();
        await switchboard.close();
      },
    };
  } catch (error) {
    await switchboard.close();
    throw error;
  }
}

const USAGE = `Usage: npm run example -- <name> [options]   (or node dist/examples/cli.js <name> after a build)

Starts Switchboard with its development app, serves the example's pages and its backend,
and prints the address to open for each role. Examples:
${EXAMPLES.map((example) => `  ${example.name.padEnd(12)} ${example.title}`).join('\n')}

Options:
  --host HOST        Interface both listen on (default 127.0.0.1); beyond loopback, e.g.
                     0.0.0.0 to open the pages on a phone, the app gets a random secret
  --port PORT        Switchboard's port (default 6001)
  --page-port PORT   The pages' port (default 6080)
  --room NAME        The room the printed addresses join (default: a random one)
  -h, --help         Show this help

See examples/README.md.`;

export class ExampleUsageError extends Error {
  override readonly name = 'CliUsageError';
}

function portOption(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new ExampleUsageError(`${flag} must be a number from 0 to 65535, got "${value}"`);
  return port;
}

/** The command: runs until SIGINT or SIGTERM. */
export async function exampleCommand(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { host: { type: 'string' }, port: { type: 'string' }, 'page-port': { type: 'string' }, room: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [name, ...extra] = positionals;
  if (name === undefined || extra.length > 0 || !EXAMPLES.some((example) => example.name === name)) {
    throw new ExampleUsageError(`name one example: ${EXAMPLES.map((example) => example.name).join(', ')}\n\n${USAGE}`);
  }
  if (values.room !== undefined && !/^[A-Za-z0-9_-]{1,40}$/.test(values.room)) throw new ExampleUsageError('--room must be 1 to 40 letters, digits, - or _');
  const { logger, output } = createStdoutLogger('warn');
  const running = await startExample(name, {
    logger,
    host: values.host,
    port: portOption(values.port, '--port'),
    pagePort: portOption(values['page-port'], '--page-port'),
    room: values.room,
  });
  const width = Math.max(...running.urls.map((entry) => entry.role.length));
  process.stdout.write(
    `${exampleNamed(name).title}: Switchboard on port ${running.switchboardPort} with the development app ` +
      `(key ${DEVELOPMENT_APP.key}, ${EXAMPLE_CLIENT_EVENTS_PER_SECOND} client events/s), pages on ${running.origin}\n`,
  );
  for (const { role, url } of running.urls) process.stdout.write(`  ${role.padEnd(width)}  ${url}\n`);
  process.stdout.write('Open each address in its own tab or device; Ctrl-C stops.\n');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.close();
  await output.flush(2_000);
}
