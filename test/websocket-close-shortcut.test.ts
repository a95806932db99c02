/**
 * The server applies src/transports/repeated-end.ts where it matters: ws's frame parser class, and
 * each upgraded socket. Nothing a client sees changes with it (its own tests compare it with
 * Node's end()), so this checks the wiring itself: without it only the presence benchmark would
 * notice (about 10% more instructions per churn cycle).
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { wsReceiverClass } from '../src/transports/repeated-end.js';
import { RawClient } from './helpers/raw-client.js';
import { APP, startServer } from './helpers/server.js';

/** A prototype's `end`, compared by identity only. */
const endOf = (prototype: object): unknown => Reflect.get(prototype, 'end') as unknown;

describe('the WebSocket endpoint and the repeated-end shortcut', () => {
  it("gives ws's parser class and every upgraded socket the shortcut", async () => {
    const Receiver = wsReceiverClass();
    assert.ok(Receiver !== undefined, 'ws still has a Writable frame parser');
    assert.equal(endOf(Receiver.prototype as object), endOf(Writable.prototype), 'nothing is patched before a server starts');
    const accepted: Socket[] = [];
    const onSocket = (message: unknown): void => {
      accepted.push((message as { socket: Socket }).socket);
    };
    subscribe('net.server.socket', onSocket);
    const server = await startServer();
    try {
      assert.notEqual(endOf(Receiver.prototype as object), endOf(Writable.prototype), 'the endpoint patched the parser class');
      const { client } = await RawClient.connect(server.wsUrl, APP.key);
      const upgraded = accepted.filter((socket) => socket.localPort === server.port);
      assert.equal(upgraded.length, 1);
      assert.ok(Object.hasOwn(upgraded[0] ?? {}, 'end'), 'the upgraded socket has its own end()');
      await client.close();
    } finally {
      unsubscribe('net.server.socket', onSocket);
      await server.close();
    }
  });
});
