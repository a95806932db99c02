/** Starts a real Switchboard on an ephemeral port for one test file or test. */
import { parseConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { silentLogger } from '../../src/shared/logger.js';
import { Switchboard, type SwitchboardOptions } from '../../src/server.js';

export interface TestApp {
  readonly id: string;
  readonly key: string;
  readonly secret: string;
}

export const APP: TestApp = { id: 'app-1', key: 'key-1', secret: 'secret-1' };
export const OTHER_APP: TestApp = { id: 'app-2', key: 'key-2', secret: 'secret-2' };

export interface TestServer {
  readonly server: Switchboard;
  readonly port: number;
  readonly host: string;
  /** `ws://host:port` */
  readonly wsUrl: string;
  /** `http://host:port` */
  readonly httpUrl: string;
  close(): Promise<void>;
}

/**
 * Defaults: one app (APP) with client events on, port 0 (the admin listener too), silent logs. `apps` in `overrides`
 * replaces the app list; other keys are merged over the defaults.
 */
export async function startServer(
  overrides: Partial<ConfigInput> = {},
  options: SwitchboardOptions = {},
): Promise<TestServer> {
  const config = parseConfig({
    host: '127.0.0.1',
    port: 0,
    shutdownGracePeriod: 5,
    log: { level: 'silent' },
    admin: { port: 0 },
    apps: [{ ...APP, clientEvents: true }],
    ...overrides,
  });
  const server = await Switchboard.create(config, { logger: silentLogger, ...options });
  const address = await server.start();
  const host = '127.0.0.1';
  return {
    server,
    port: address.port,
    host,
    wsUrl: `ws://${host}:${address.port}`,
    httpUrl: `http://${host}:${address.port}`,
    close: () => server.close(),
  };
}
