import { describe, expect, it } from '@jest/globals';

import {
  normaliseIp,
  parseCidr,
  rateLimitKey,
  TrustedProxies,
  type Cidr,
} from '../src/http/client-ip.js';

const cidrs = (...entries: string[]): Cidr[] => entries.map((entry) => parseCidr(entry)!);

describe('normaliseIp', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['::FFFF:203.0.113.9', '203.0.113.9'],
    ['::ffff:cb00:7109', '203.0.113.9'],
    ['2001:DB8:0:0::1', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
  ])('spells %s as %s', (input, expected) => {
    expect(normaliseIp(input)).toBe(expected);
  });

  it.each(['', 'unknown', '_hidden', '203.0.113', '999.1.1.1', 'example.com'])(
    'is undefined for %j',
    (input) => {
      expect(normaliseIp(input)).toBeUndefined();
    },
  );
});

describe('rateLimitKey', () => {
  it('is the address for IPv4 and the /64 network for IPv6', () => {
    expect(rateLimitKey('203.0.113.9')).toBe('203.0.113.9');
    expect(rateLimitKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(rateLimitKey('2001:db8:1:3::1')).not.toBe(rateLimitKey('2001:db8:1:2::1'));
  });
});

describe('TrustedProxies.clientIp', () => {
  const none = new TrustedProxies([]);
  const proxies = new TrustedProxies(cidrs('127.0.0.1/32', '10.0.0.0/8', 'fd00::/8'));

  it('without trusted proxies, is the socket peer whatever the headers say', () => {
    expect(
      none.clientIp('::ffff:198.51.100.7', {
        xForwardedFor: '1.2.3.4',
        forwarded: 'for=5.6.7.8',
      }),
    ).toBe('198.51.100.7');
  });

  it('gives the same answers once thousands of other addresses have been asked about', () => {
    const many = new TrustedProxies(cidrs('10.0.0.0/8'));
    const first = [many.has('10.1.2.3'), many.has('198.51.100.7')];
    for (let i = 0; i < 3000; i += 1) many.has(`192.0.${i >> 8}.${i & 255}`);

    expect(first).toEqual([true, false]);
    expect([many.has('10.1.2.3'), many.has('198.51.100.7'), many.has('10.255.0.1')]).toEqual([
      true,
      false,
      true,
    ]);
  });

  it('ignores the headers of a peer outside the trusted CIDRs', () => {
    expect(proxies.clientIp('198.51.100.7', { xForwardedFor: '1.2.3.4' })).toBe('198.51.100.7');
  });

  it('behind a trusted proxy, is the right-most address that is not a trusted proxy', () => {
    expect(
      proxies.clientIp('::ffff:127.0.0.1', {
        xForwardedFor: '6.6.6.6, 203.0.113.9, 10.1.1.1, 10.2.2.2',
      }),
    ).toBe('203.0.113.9');
  });

  it('does not let a client choose its address by prefixing the chain', () => {
    const real = proxies.clientIp('10.0.0.1', { xForwardedFor: '203.0.113.9' });
    const spoofed = proxies.clientIp('10.0.0.1', { xForwardedFor: '1.1.1.1, 203.0.113.9' });

    expect(spoofed).toBe(real);
  });

  it('is the trusted peer itself when it forwarded nothing', () => {
    expect(proxies.clientIp('10.0.0.1', {})).toBe('10.0.0.1');
  });

  it('is the left-most hop when every hop is trusted', () => {
    expect(proxies.clientIp('10.0.0.1', { xForwardedFor: '10.9.9.9, 10.8.8.8' })).toBe('10.9.9.9');
  });

  it('stops at a hop that is not an address, at the last trusted hop', () => {
    expect(proxies.clientIp('10.0.0.1', { xForwardedFor: '203.0.113.9, garbage' })).toBe(
      '10.0.0.1',
    );
    expect(proxies.clientIp('10.0.0.1', { xForwardedFor: '203.0.113.9, , 10.2.2.2' })).toBe(
      '10.2.2.2',
    );
  });

  it('reads ports, brackets and IPv4-mapped addresses in X-Forwarded-For', () => {
    expect(proxies.clientIp('10.0.0.1', { xForwardedFor: '203.0.113.9:4711' })).toBe('203.0.113.9');
    expect(proxies.clientIp('10.0.0.1', { xForwardedFor: '[2001:db8::7]:4711' })).toBe(
      '2001:db8::7',
    );
    expect(proxies.clientIp('10.0.0.1', { xForwardedFor: '::ffff:203.0.113.9' })).toBe(
      '203.0.113.9',
    );
  });

  it('reads RFC 7239 Forwarded when there is no X-Forwarded-For', () => {
    expect(
      proxies.clientIp('fd00::1', {
        forwarded: 'for=6.6.6.6;proto=https, For="[2001:db8:cafe::17]:4711";by=10.0.0.1',
      }),
    ).toBe('2001:db8:cafe::17');
    expect(proxies.clientIp('10.0.0.1', { forwarded: 'for=203.0.113.9, for=unknown' })).toBe(
      '10.0.0.1',
    );
    expect(proxies.clientIp('10.0.0.1', { forwarded: 'proto=https' })).toBe('10.0.0.1');
  });

  it('prefers X-Forwarded-For, which the common proxies append to, over Forwarded', () => {
    expect(
      proxies.clientIp('10.0.0.1', { xForwardedFor: '203.0.113.9', forwarded: 'for=6.6.6.6' }),
    ).toBe('203.0.113.9');
  });
});
