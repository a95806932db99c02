/** A node's totals for the dashboard's overview, read from the engine's counters and connections. */
import type { Engine } from '../core/engine.js';
import type { NodeStats } from './console-bus.js';

/** This node's totals (sent to the other nodes, and the first row of the nodes table). */
export function nodeStats(nodeId: string, engine: Engine): NodeStats {
  const apps: Record<string, { connections: number; messages: number; deliveries: number }> = {};
  for (const [appId, counters] of engine.counters.apps()) {
    apps[appId] = { connections: 0, messages: counters.apiMessages + counters.clientEvents, deliveries: counters.deliveries };
  }
  for (const connection of engine.connections()) {
    const entry = (apps[connection.app.id] ??= { connections: 0, messages: 0, deliveries: 0 });
    entry.connections += 1;
  }
  return { node: nodeId, connections: engine.connectionCount, apps };
}
