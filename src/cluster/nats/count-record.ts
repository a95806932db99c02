/**
 * A record that only counts, per node: the connections of an app (`k.<app>`) or the signed-in
 * sockets of a user (`u.<app>.<user>`). Changed atomically through RecordTransactions.
 */
import { adjust, totalOf, type NodeCounts } from './node-counts.js';
import type { Outcome, RecordCodec } from './record-transactions.js';
import { z } from 'zod';
import { nodeCounts, parseStored } from '../stored-json.js';

const countRecord = z.object({ nodes: nodeCounts });

export interface CountRecord {
  readonly nodes: NodeCounts;
}

export const countCodec: RecordCodec<CountRecord> = {
  parse(text) {
    return parseStored(text, countRecord);
  },
  format: (record) => JSON.stringify(record),
};

export function countOf(record: CountRecord | undefined): number {
  return totalOf(record?.nodes);
}

export interface CountChange {
  /** Total before the change. */
  readonly before: number;
  /** Total after the change. */
  readonly after: number;
  /** Whether the node's share changed (false: refused, or nothing of the node's to take away). */
  readonly changed: boolean;
}

/** Adds one to the node's share unless the total is already at `max`. */
export function increment(current: CountRecord | undefined, nodeId: string, max?: number): Outcome<CountRecord, CountChange> {
  const before = countOf(current);
  if (max !== undefined && before >= max) return { value: current, result: { before, after: before, changed: false } };
  const record = current ?? { nodes: {} };
  adjust(record.nodes, nodeId, 1);
  return { value: record, result: { before, after: before + 1, changed: true } };
}

/** Takes one from the node's share (never below zero); removes the record at zero. */
export function decrement(current: CountRecord | undefined, nodeId: string): Outcome<CountRecord, CountChange> {
  const before = countOf(current);
  if (current === undefined || !adjust(current.nodes, nodeId, -1)) return { value: current, result: { before, after: before, changed: false } };
  const after = before - 1;
  return { value: after === 0 ? undefined : current, result: { before, after, changed: true } };
}
