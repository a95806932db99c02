/**
 * Per-run isolation on the shared NATS server: a subject/bucket prefix no other run uses, and
 * removal of the buckets made under it.
 */
import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { NATS_SERVERS } from './services.js';

/** A nats.prefix no other test run uses (letters, digits, '-' and '_' only). */
export function uniqueNatsPrefix(label: string): string {
  return `sbtest-${label}-${randomUUID().slice(0, 8)}`;
}

/** Deletes every JetStream stream (KV bucket) whose name starts with the prefix. */
export async function deleteNatsPrefix(prefix: string, servers = NATS_SERVERS): Promise<void> {
  const connection = await connect({ servers });
  try {
    const jsm = await jetstreamManager(connection);
    const names: string[] = [];
    for await (const name of jsm.streams.names()) if (name.startsWith(`KV_${prefix}-`)) names.push(name);
    await Promise.all(names.map((name) => jsm.streams.delete(name)));
  } finally {
    await connection.close();
  }
}
