/**
 * The record of one channel in the NATS state, and the changes made to it atomically (see
 * record-transactions.ts). It counts subscriptions per node rather than listing sockets, so its
 * size grows with the nodes and the presence members, not with the subscribers of a busy public
 * channel; which sockets a node subscribed is known from the ownership entries (owned-entries.ts).
 *
 * A node's counts only go down to zero: a leave whose join was never counted (its node died in
 * between) changes nothing, so cleaning up after a dead node converges on the exact counts.
 */
import type { JsonValue } from '../../protocol/json.js';
import type { JoinResult, LeaveResult, PresenceMember, Transition } from '../channel-state.js';
import { adjust, removeKey, totalOf as total, type NodeCounts } from './node-counts.js';
import type { Outcome } from './record-transactions.js';
import { z } from 'zod';
import { jsonValue, keyedMap, nodeCounts, parseStored } from '../stored-json.js';

interface MemberRecord {
  /** The user id as given (string or number). */
  readonly id: string | number;
  readonly info?: JsonValue | undefined;
  /** Connections per node. */
  readonly nodes: NodeCounts;
}

export interface ChannelRecord {
  /** Subscriptions per node. */
  readonly subs: NodeCounts;
  /** Presence members by member key (String(userId)). */
  members?: Record<string, MemberRecord>;
  /** A pending channel_vacated and when it is due. */
  vacatedAt?: number;
  /** Pending member_removed by member key, and when each is due. */
  removedAt?: Record<string, number>;
}

const memberRecord = z.object({ id: z.union([z.string(), z.number()]), info: jsonValue.optional(), nodes: nodeCounts });
const recordFields = z.object({
  subs: nodeCounts,
  members: z.unknown().optional(),
  vacatedAt: z.number().optional(),
  removedAt: z.unknown().optional(),
});

/** The record, checked; its maps keyed by user ids have no prototype (see keyedMap). */
export function parseChannelRecord(text: string): ChannelRecord | undefined {
  const fields = parseStored(text, recordFields);
  if (fields === undefined) return undefined;
  const record: ChannelRecord = { subs: fields.subs };
  if (fields.members !== undefined) {
    const members = keyedMap(fields.members, memberRecord);
    if (members === undefined) return undefined;
    record.members = members;
  }
  if (fields.vacatedAt !== undefined) record.vacatedAt = fields.vacatedAt;
  if (fields.removedAt !== undefined) {
    const removedAt = keyedMap(fields.removedAt, z.number());
    if (removedAt === undefined) return undefined;
    record.removedAt = removedAt;
  }
  return record;
}

/** An empty map keyed by user ids, without a prototype (see keyedMap). */
function keyedBy<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export function formatChannelRecord(record: ChannelRecord): string {
  return JSON.stringify(record);
}

/** The record as stored, or undefined when nothing is left in it. */
function keep(record: ChannelRecord): ChannelRecord | undefined {
  if (record.members !== undefined && Object.keys(record.members).length === 0) delete record.members;
  if (record.removedAt !== undefined && Object.keys(record.removedAt).length === 0) delete record.removedAt;
  const empty = total(record.subs) === 0 && record.members === undefined && record.vacatedAt === undefined && record.removedAt === undefined;
  return empty ? undefined : record;
}

/** When the earliest pending transition is due; undefined when none is pending. */
export function nextDue(record: ChannelRecord | undefined): number | undefined {
  if (record === undefined) return undefined;
  const times = [...Object.values(record.removedAt ?? {}), ...(record.vacatedAt === undefined ? [] : [record.vacatedAt])];
  return times.length === 0 ? undefined : Math.min(...times);
}

export function membersOf(record: ChannelRecord | undefined): PresenceMember[] {
  return Object.values(record?.members ?? {}).map((member) => ({ userId: member.id, userInfo: member.info }));
}

export function summaryOf(record: ChannelRecord | undefined): { subscriptionCount: number; userCount: number } {
  return { subscriptionCount: total(record?.subs), userCount: Object.keys(record?.members ?? {}).length };
}

export interface JoinChange {
  readonly nodeId: string;
  readonly member: PresenceMember | undefined;
  readonly maxMembers: number | undefined;
  readonly debounce: boolean;
}

/** A new subscription of `nodeId` (the caller knows it is not one it already holds). */
export function join(current: ChannelRecord | undefined, change: JoinChange): Outcome<ChannelRecord, JoinResult> {
  const record: ChannelRecord = current ?? { subs: {} };
  const { member, nodeId, debounce } = change;
  const memberKey = member === undefined ? undefined : String(member.userId);
  const existing = memberKey === undefined ? undefined : record.members?.[memberKey];
  if (memberKey !== undefined && existing === undefined && change.maxMembers !== undefined) {
    if (Object.keys(record.members ?? {}).length >= change.maxMembers) {
      return { value: current, result: { ok: false, reason: 'presence-full' } };
    }
  }
  adjust(record.subs, nodeId, 1);
  const subscriptionCount = total(record.subs);
  let occupied = subscriptionCount === 1;
  if (occupied && debounce && record.vacatedAt !== undefined) {
    delete record.vacatedAt;
    occupied = false;
  }
  let memberAdded = false;
  let memberAddedReported = false;
  if (memberKey !== undefined && member !== undefined) {
    if (existing === undefined) {
      record.members ??= keyedBy();
      record.members[memberKey] = {
        id: member.userId,
        ...(member.userInfo === undefined ? {} : { info: member.userInfo }),
        nodes: { [nodeId]: 1 },
      };
      memberAdded = true;
      memberAddedReported = true;
      if (debounce && record.removedAt?.[memberKey] !== undefined) {
        removeKey(record.removedAt, memberKey);
        memberAddedReported = false;
      }
    } else {
      adjust(existing.nodes, nodeId, 1);
    }
  }
  return {
    value: keep(record),
    result: {
      ok: true,
      subscriptionCount,
      occupied,
      memberAdded,
      memberAddedReported,
      presence: member === undefined ? undefined : membersOf(record),
    },
  };
}

export interface LeaveChange {
  readonly nodeId: string;
  readonly memberKey: string | undefined;
  /** When a debounced transition becomes due; undefined reports transitions at once. */
  readonly dueAt: number | undefined;
}

export interface LeaveOutcome extends LeaveResult {
  /** The earliest pending transition left in the record (a hint must point at it). */
  readonly nextDue: number | undefined;
}

/** Takes away one subscription of `nodeId`. */
export function leave(current: ChannelRecord | undefined, change: LeaveChange): Outcome<ChannelRecord, LeaveOutcome> {
  if (current === undefined) {
    return { value: undefined, result: { subscriptionCount: 0, memberRemoved: false, userId: undefined, vacated: false, nextDue: undefined } };
  }
  const record = current;
  const { nodeId, memberKey, dueAt } = change;
  const counted = adjust(record.subs, nodeId, -1);
  const subscriptionCount = total(record.subs);
  let memberRemoved = false;
  let userId: string | number | undefined;
  const member = memberKey === undefined ? undefined : record.members?.[memberKey];
  if (memberKey !== undefined && member !== undefined) {
    userId = member.id;
    if (adjust(member.nodes, nodeId, -1) && total(member.nodes) === 0) {
      if (record.members !== undefined) removeKey(record.members, memberKey);
      memberRemoved = true;
      if (dueAt !== undefined) {
        record.removedAt ??= keyedBy();
        record.removedAt[memberKey] = dueAt;
      }
    }
  }
  const vacated = counted && subscriptionCount === 0;
  if (vacated && dueAt !== undefined) record.vacatedAt = dueAt;
  const value = keep(record);
  return { value, result: { subscriptionCount, memberRemoved, userId, vacated, nextDue: nextDue(value) } };
}

export interface TakenTransitions {
  readonly due: readonly Transition[];
  readonly nextDue: number | undefined;
}

/** Claims up to `limit` transitions due at `now`. */
export function takeDue(current: ChannelRecord | undefined, now: number, limit: number): Outcome<ChannelRecord, TakenTransitions> {
  if (current === undefined) return { value: undefined, result: { due: [], nextDue: undefined } };
  const record = current;
  const due: Transition[] = [];
  for (const [memberKey, at] of Object.entries(record.removedAt ?? {})) {
    if (due.length >= limit) break;
    if (at > now) continue;
    if (record.removedAt !== undefined) removeKey(record.removedAt, memberKey);
    due.push({ kind: 'member-removed', userId: memberKey });
  }
  if (record.vacatedAt !== undefined && record.vacatedAt <= now && due.length < limit) {
    delete record.vacatedAt;
    due.push({ kind: 'vacated' });
  }
  const value = keep(record);
  return { value, result: { due, nextDue: nextDue(value) } };
}
