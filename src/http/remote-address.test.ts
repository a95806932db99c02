import assert from 'node:assert/strict';
import { IncomingMessage, type IncomingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { createClientResolver, type ClientAddress, type TrustProxySetting } from './remote-address.js';

interface Peer {
  /** The TCP peer's address as node reports it; undefined once the socket is gone. */
  readonly address: string | undefined;
  readonly tls?: boolean;
}

/** A request as node's HTTP server hands it over, from `peer`, with `headers`. */
function requestFrom(peer: Peer, headers: IncomingHttpHeaders = {}): IncomingMessage {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: peer.address });
  if (peer.tls === true) Object.defineProperty(socket, 'encrypted', { value: true });
  const request = new IncomingMessage(socket);
  request.headers = headers;
  return request;
}

function resolve(trust: TrustProxySetting, peer: string | undefined, headers: IncomingHttpHeaders = {}, tls = false): ClientAddress {
  return createClientResolver(trust)(requestFrom({ address: peer, tls }, headers));
}

function addressOf(trust: TrustProxySetting, peer: string, forwardedFor: string): string {
  return resolve(trust, peer, { 'x-forwarded-for': forwardedFor }).address;
}

describe('client address without trusted proxies (the default)', () => {
  it('is the TCP peer, whatever X-Forwarded-For says', () => {
    assert.deepEqual(resolve(false, '192.0.2.10', { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' }), {
      address: '192.0.2.10',
      scheme: 'http',
    });
    assert.equal(addressOf([], '127.0.0.1', '203.0.113.7'), '127.0.0.1', 'an empty list trusts nobody');
  });

  it('reports an IPv4-mapped peer in IPv4 form, and IPv6 peers as they are', () => {
    assert.equal(resolve(false, '::ffff:192.0.2.10').address, '192.0.2.10');
    assert.equal(resolve(false, '::FFFF:192.0.2.10').address, '192.0.2.10');
    assert.equal(resolve(false, '2001:db8::5').address, '2001:db8::5');
  });

  it("takes the scheme from the listener's own socket", () => {
    assert.equal(resolve(false, '192.0.2.10', {}, true).scheme, 'https');
    assert.equal(resolve(false, '192.0.2.10', { 'x-forwarded-proto': 'http' }, true).scheme, 'https');
  });

  it('says unknown when the socket is already gone', () => {
    assert.equal(resolve(false, undefined).address, 'unknown');
    assert.equal(resolve(['loopback'], undefined, { 'x-forwarded-for': '203.0.113.7' }).address, 'unknown');
  });
});

describe('client address behind trusted proxies', () => {
  it('is the address a trusted peer forwarded', () => {
    assert.equal(addressOf(['loopback'], '127.0.0.1', '203.0.113.7'), '203.0.113.7');
    assert.equal(addressOf(['loopback'], '::1', '2001:db8::7'), '2001:db8::7');
    assert.equal(addressOf(['10.0.0.0/8'], '10.1.2.3', '203.0.113.7'), '203.0.113.7');
    assert.equal(addressOf(['10.0.0.0/255.0.0.0'], '10.1.2.3', '203.0.113.7'), '203.0.113.7', 'netmask notation');
    assert.equal(addressOf(['192.0.2.1'], '192.0.2.1', '203.0.113.7'), '203.0.113.7', 'a single address');
  });

  it("ignores every header of a peer that is not trusted (a client cannot pick the address it is counted under)", () => {
    assert.equal(addressOf(['loopback'], '192.0.2.10', '203.0.113.7'), '192.0.2.10');
    assert.equal(addressOf(['10.0.0.0/8'], '11.0.0.1', '10.0.0.1'), '11.0.0.1');
    assert.equal(resolve(['loopback'], '192.0.2.10', { 'x-forwarded-proto': 'https' }).scheme, 'http');
  });

  it('walks X-Forwarded-For from the right and stops at the first untrusted hop', () => {
    // What a client wrote itself sits left of what the proxy appended: never reached.
    assert.equal(addressOf(['loopback'], '127.0.0.1', '198.51.100.1, 203.0.113.7'), '203.0.113.7');
    // Two proxies: the load balancer (10.x) in front of a local nginx.
    assert.equal(addressOf(['loopback', '10.0.0.0/8'], '127.0.0.1', '198.51.100.1, 203.0.113.7, 10.0.0.2'), '203.0.113.7');
    // Only the local proxy is trusted: the load balancer's address is the client.
    assert.equal(addressOf(['loopback'], '127.0.0.1', '203.0.113.7, 10.0.0.2'), '10.0.0.2');
    // Every hop trusted: the leftmost entry.
    assert.equal(addressOf(['loopback', '10.0.0.0/8'], '127.0.0.1', '10.0.0.9, 10.0.0.2'), '10.0.0.9');
    // Several X-Forwarded-For headers arrive joined with commas, in order.
    assert.equal(addressOf(['loopback'], '127.0.0.1', '198.51.100.1,203.0.113.7'), '203.0.113.7');
  });

  it('trusts every peer and every hop with true (the leftmost entry wins)', () => {
    assert.equal(addressOf(true, '192.0.2.10', '198.51.100.1, 203.0.113.7'), '198.51.100.1');
    assert.equal(resolve(true, '192.0.2.10').address, '192.0.2.10', 'no header: the peer');
  });

  it('matches IPv4-mapped IPv6 peers and hops against IPv4 ranges, and reports them in IPv4 form', () => {
    assert.equal(addressOf(['127.0.0.0/8'], '::ffff:127.0.0.1', '203.0.113.7'), '203.0.113.7');
    assert.equal(addressOf(['loopback'], '::ffff:127.0.0.1', '203.0.113.7'), '203.0.113.7');
    assert.equal(addressOf(['10.0.0.0/8'], '::ffff:10.0.0.5', '203.0.113.7'), '203.0.113.7');
    assert.equal(addressOf(['loopback'], '127.0.0.1', '::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(addressOf(['loopback', '10.0.0.0/8'], '127.0.0.1', '203.0.113.7, ::ffff:10.0.0.2'), '203.0.113.7');
  });

  it('falls back to the nearest well-formed hop on a malformed entry, and never throws', () => {
    for (const header of ['garbage', '203.0.113.7:5000', '[2001:db8::1]', '0x7f000001', '999.1.1.1', 'unknown', ' , ,', '', 'x'.repeat(10_000)]) {
      assert.equal(addressOf(['loopback'], '127.0.0.1', header), '127.0.0.1', JSON.stringify(header.slice(0, 20)));
      assert.equal(addressOf(true, '192.0.2.10', header), '192.0.2.10', JSON.stringify(header.slice(0, 20)));
    }
    // Behind two trusted proxies, the hop that reported the garbage.
    assert.equal(addressOf(['loopback', '10.0.0.0/8'], '127.0.0.1', 'garbage, 10.0.0.2'), '10.0.0.2');
    // A malformed entry left of the client is never reached.
    assert.equal(addressOf(['loopback'], '127.0.0.1', 'garbage, 203.0.113.7'), '203.0.113.7');
  });

  it("takes the scheme from a trusted peer's X-Forwarded-Proto (its first value), else from the socket", () => {
    const scheme = (proto: string | undefined, tls = false): string =>
      resolve(['loopback'], '127.0.0.1', proto === undefined ? {} : { 'x-forwarded-proto': proto }, tls).scheme;
    assert.equal(scheme('https'), 'https');
    assert.equal(scheme('HTTPS'), 'https');
    assert.equal(scheme('https, http'), 'https');
    assert.equal(scheme(' http ', true), 'http');
    assert.equal(scheme(undefined), 'http');
    assert.equal(scheme(undefined, true), 'https');
    assert.equal(scheme('ftp', true), 'https', 'an unknown scheme is ignored');
    assert.equal(scheme(''), 'http');
  });

  it('refuses an unusable trust entry when compiled', () => {
    assert.throws(() => createClientResolver(['not-an-address']), TypeError);
    assert.throws(() => createClientResolver(['10.0.0.0/33']), TypeError);
  });
});
