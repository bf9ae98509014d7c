import { describe, expect, it } from 'vitest';
import { addressSubject, forwardedByUntrustedPeer } from './client-address';

describe('addressSubject', () => {
  it('keeps an IPv4 address as it is, also when it comes IPv4-mapped', () => {
    expect(addressSubject('203.0.113.7')).toBe('203.0.113.7');
    expect(addressSubject('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts every IPv6 address of one /64 as that /64', () => {
    expect(addressSubject('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressSubject('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressSubject('2001:db8:1:3::1')).not.toBe(addressSubject('2001:db8:1:2::1'));
    expect(addressSubject('::1')).toBe('::/64');
    expect(addressSubject('2001:DB8:1:2::9')).toBe('2001:db8:1:2::/64');
  });

  it('leaves anything that is not an address alone', () => {
    expect(addressSubject('')).toBe('');
    expect(addressSubject('unknown')).toBe('unknown');
  });
});

describe('forwardedByUntrustedPeer', () => {
  const forwarded = { 'x-forwarded-for': '203.0.113.9' };

  it('is true for X-Forwarded-For from a peer no proxy setting trusts', () => {
    // no proxy trusted at all: Fastify gives no `ips`
    expect(forwardedByUntrustedPeer({ headers: forwarded })).toBe(true);
    // proxies trusted, but not this peer: only the connection's address
    expect(forwardedByUntrustedPeer({ headers: forwarded, ips: ['198.51.100.1'] })).toBe(true);
  });

  it('is false through a trusted proxy and without the header', () => {
    expect(forwardedByUntrustedPeer({ headers: forwarded, ips: ['10.0.0.1', '203.0.113.9'] })).toBe(false);
    expect(forwardedByUntrustedPeer({ headers: {} })).toBe(false);
  });
});
