/**
 * Several Switchboard nodes as separate processes sharing one bus, as they would run behind a load
 * balancer: each node is the real command line with its own port and the same config.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, type RunningCli } from './cli.js';
import type { TestApp, TestServer } from './server.js';

export interface ClusterNode {
  readonly cli: RunningCli;
  /** Enough of a TestServer for the client helpers (sdkFor, clientFor). */
  readonly server: TestServer;
}

export async function writeConfig(config: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-cluster-'));
  const path = join(dir, 'config.json');
  await writeFile(path, JSON.stringify(config));
  return path;
}

export function asTestServer(port: number): TestServer {
  const host = '127.0.0.1';
  return {
    // Only the network address is used by the client helpers.
    server: undefined as never,
    port,
    host,
    wsUrl: `ws://${host}:${port}`,
    httpUrl: `http://${host}:${port}`,
    close: () => Promise.resolve(),
  };
}

/** Starts one node; a node is one process unless `args` says otherwise (e.g. --workers 3). */
export async function startNode(configPath: string, args: string[] = ['--workers', '1'], env: NodeJS.ProcessEnv = {}): Promise<ClusterNode> {
  const cli = await startCli(['start', '--config', configPath, '--port', '0', ...args], env);
  return { cli, server: asTestServer(cli.port) };
}

export async function startNodes(count: number, config: unknown): Promise<{ nodes: ClusterNode[]; configPath: string }> {
  const configPath = await writeConfig(config);
  const nodes = await Promise.all(Array.from({ length: count }, () => startNode(configPath)));
  return { nodes, configPath };
}

/** Stops gracefully (SIGTERM) and waits for the exit; a node already gone is fine. */
export async function stopNode(node: ClusterNode): Promise<void> {
  if (node.cli.child.exitCode === null && node.cli.child.signalCode === null) node.cli.signal('SIGTERM');
  await node.cli.exited;
}

export function appConfig(app: TestApp, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: app.id, key: app.key, secret: app.secret, ...extra };
}
