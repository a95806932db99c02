/**
 * Switchboard as the benchmark runs it: the compiled server (the same `Switchboard` the CLI
 * starts) with the config file the benchmark wrote, plus the benchmark's IPC contract.
 * Usage: node --expose-gc switchboard-server.js CONFIG_FILE
 */
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/shared/logger.js';
import { Switchboard } from '../../src/server.js';
import { serveChildIpc } from './child-ipc.js';

const configFile = process.argv[2];
if (configFile === undefined) throw new Error('usage: switchboard-server.js CONFIG_FILE');
const { config } = await loadConfig({ env: {}, configFile });
const server = await Switchboard.create(config, { logger: createLogger(config.log.level) });
const address = await server.start();
serveChildIpc(address.port, () => server.close());
