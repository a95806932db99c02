/** Socket ids: `^\d+\.\d+$` (the `pusher` SDK rejects any other form), drawn from a CSPRNG. */
import { randomInt } from 'node:crypto';

const SOCKET_ID_PATTERN = /^\d+\.\d+$/;
/** 10^10 per half: 10^20 ids in all, so a collision across a cluster is negligible. */
const HALF_RANGE = 10_000_000_000;

export function newSocketId(): string {
  return `${randomInt(1, HALF_RANGE)}.${randomInt(1, HALF_RANGE)}`;
}

export function isValidSocketId(value: string): boolean {
  return value.length <= 40 && SOCKET_ID_PATTERN.test(value);
}
