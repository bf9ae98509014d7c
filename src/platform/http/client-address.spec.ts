import { describe, expect, it } from 'vitest';
import { addressSubject } from './client-address';

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
