/**
 * The presence `subscription_succeeded` frame (protocol §3.5): `{"presence":{"ids":[...],
 * "hash":{...},"count":n}}` as a JSON string inside the frame. Every join sends one, naming every
 * member, so it is built from per-member fragments (the member's id and hash entry, already
 * escaped for the data string) made once per member object and remembered as long as the object
 * lives: a channel's state hands out the same member objects join after join, so a join encodes
 * only its own member and joins the others' fragments, where stringifying the snapshot object and
 * then its text again would serialize every member twice.
 *
 * Members are keyed by String(userId) (one entry each, as the channel state keeps them); `ids`
 * keep each id's JSON type. The hash is written as text, so an id like `__proto__` is a key like
 * any other.
 */
import type { JsonValue } from './json.js';

export interface SnapshotMember {
  readonly userId: string | number;
  readonly userInfo: JsonValue | undefined;
}

/** A member's parts of the data string, JSON-escaped: its `ids` element and its `hash` entry. */
interface Fragments {
  readonly id: string;
  readonly entry: string;
}

const quote = JSON.stringify;
const remembered = new WeakMap<SnapshotMember, Fragments>();

/** JSON text as it reads inside a JSON string, without the enclosing quotes. */
function escaped(json: string): string {
  return quote(json).slice(1, -1);
}

function fragmentsOf(member: SnapshotMember): Fragments {
  let fragments = remembered.get(member);
  if (fragments === undefined) {
    fragments = {
      id: escaped(quote(member.userId)),
      entry: escaped(`${quote(String(member.userId))}:${quote(member.userInfo ?? null)}`),
    };
    remembered.set(member, fragments);
  }
  return fragments;
}

/** The whole `pusher_internal:subscription_succeeded` frame of a presence channel. */
export function encodePresenceSucceeded(channel: string, members: readonly SnapshotMember[]): string {
  let ids = '';
  let hash = '';
  for (let index = 0; index < members.length; index += 1) {
    const fragments = fragmentsOf(members[index] as SnapshotMember);
    const separator = index === 0 ? '' : ',';
    ids += separator + fragments.id;
    hash += separator + fragments.entry;
  }
  return `{"event":"pusher_internal:subscription_succeeded","channel":${quote(channel)},"data":"{\\"presence\\":{\\"ids\\":[${ids}],\\"hash\\":{${hash}},\\"count\\":${String(members.length)}}}"}`;
}
