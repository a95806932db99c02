/**
 * Core's reports to the debug tap (debug-tap.ts), one function per kind of entry. Contract, as
 * for client-log.ts: each checks `tap.watches(appId)` before building anything, so while no
 * console watches the app a report costs one check and no allocation.
 */
import type { Publication } from '../cluster/broker.js';
import type { Connection } from './connection.js';
import { truncateData, type DebugTap } from './debug-tap.js';

export function tapConnectionOpened(tap: DebugTap, connection: Connection): void {
  if (!tap.watches(connection.app.id)) return;
  const { socketId, transport, origin } = connection;
  tap.emit(connection.app.id, { kind: 'connection-opened', socketId, transport: transport.name, origin, address: transport.client.address });
}

export function tapConnectionClosed(tap: DebugTap, connection: Connection, code: number, reason: string): void {
  if (!tap.watches(connection.app.id)) return;
  tap.emit(connection.app.id, { kind: 'connection-closed', socketId: connection.socketId, transport: connection.transport.name, code, reason });
}

export function tapSubscription(tap: DebugTap, connection: Connection, channel: string, kind: 'subscribed' | 'unsubscribed'): void {
  if (!tap.watches(connection.app.id)) return;
  tap.emit(connection.app.id, { kind, socketId: connection.socketId, channel });
}

/** Occupied / vacated as the shared state reported them (once per cluster). */
export function tapOccupancy(tap: DebugTap, appId: string, channel: string, kind: 'channel-occupied' | 'channel-vacated'): void {
  if (!tap.watches(appId)) return;
  tap.emit(appId, { kind, channel });
}

/** A member's first connection joined, or its last left (once per cluster). */
export function tapMember(tap: DebugTap, appId: string, channel: string, userId: string | number, kind: 'member-added' | 'member-removed'): void {
  if (!tap.watches(appId)) return;
  tap.emit(appId, { kind, channel, userId: String(userId) });
}

/** Messages the HTTP API published (one entry per channel). */
export function tapApiMessages(tap: DebugTap, publications: readonly Publication[]): void {
  for (const publication of publications) {
    if (!tap.watches(publication.appId)) continue;
    const { channel, event, data, exceptSocketId } = publication;
    tap.emit(publication.appId, { kind: 'api-message', channel, event, data: dataText(data), socketId: exceptSocketId });
  }
}

export function tapClientEvent(tap: DebugTap, connection: Connection, publication: Publication): void {
  if (!tap.watches(publication.appId)) return;
  const { channel, event, data } = publication;
  tap.emit(publication.appId, { kind: 'client-event', socketId: connection.socketId, channel, event, data: dataText(data) });
}

/** The publisher's string as it is, a client's JSON as it sent it; cut for display. */
function dataText(data: Publication['data']): string {
  return data === undefined ? '' : truncateData(typeof data === 'string' ? data : data.text);
}
