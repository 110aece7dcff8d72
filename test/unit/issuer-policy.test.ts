import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../shared/errors.ts';
import { assertAcceptableEndpoint, assertAcceptableIssuer, isPrivateHost } from '../../shared/oidc/issuer-policy.ts';
import { isPublicAddress } from '../../shared/oidc/public-address.ts';

/**
 * One example per special range, each refused by the one rule that both the
 * issuer policy and the HTTP client's connection check apply.
 */
const NON_PUBLIC_IPV4: ReadonlyArray<[string, string]> = [
  ['unspecified 0.0.0.0/8', '0.0.0.0'],
  ['unspecified 0.0.0.0/8 (not the zero address)', '0.1.2.3'],
  ['private 10/8', '10.0.0.8'],
  ['carrier-grade NAT 100.64/10', '100.64.0.1'],
  ['loopback 127/8', '127.0.0.1'],
  ['loopback 127/8 (not .1)', '127.255.0.9'],
  ['link-local 169.254/16 (instance metadata)', '169.254.169.254'],
  ['private 172.16/12', '172.16.4.4'],
  ['IETF protocol assignments 192.0.0/24', '192.0.0.8'],
  ['documentation 192.0.2/24', '192.0.2.1'],
  ['AS112 192.31.196/24', '192.31.196.1'],
  ['AMT 192.52.193/24', '192.52.193.1'],
  ['6to4 relay anycast 192.88.99/24', '192.88.99.1'],
  ['private 192.168/16', '192.168.1.1'],
  ['AS112 192.175.48/24', '192.175.48.1'],
  ['benchmarking 198.18/15', '198.18.0.1'],
  ['documentation 198.51.100/24', '198.51.100.1'],
  ['documentation 203.0.113/24', '203.0.113.1'],
  ['multicast 224/4', '224.0.0.1'],
  ['reserved 240/4', '240.0.0.1'],
  ['broadcast', '255.255.255.255'],
];

const NON_PUBLIC_IPV6: ReadonlyArray<[string, string]> = [
  ['unspecified ::', '::'],
  ['loopback ::1', '::1'],
  ['IPv4-compatible ::/96, dotted loopback', '::127.0.0.1'],
  ['IPv4-compatible ::/96, hex loopback', '::7f00:1'],
  ['IPv4-compatible ::/96, instance metadata', '::a9fe:a9fe'],
  ['IPv4-compatible ::/96, private', '::a00:1'],
  ['IPv4-compatible ::/96, public IPv4 too', '::808:808'],
  ['IPv4-mapped ::ffff:0:0/96, dotted loopback', '::ffff:127.0.0.1'],
  ['IPv4-mapped ::ffff:0:0/96, hex loopback', '::ffff:7f00:1'],
  ['IPv4-mapped ::ffff:0:0/96, instance metadata', '::ffff:a9fe:a9fe'],
  ['IPv4-mapped ::ffff:0:0/96, public IPv4 too', '::ffff:8.8.8.8'],
  ['SIIT ::ffff:0:0:0/96', '::ffff:0:7f00:1'],
  ['NAT64 64:ff9b::/96', '64:ff9b::7f00:1'],
  ['NAT64 64:ff9b::/96, instance metadata', '64:ff9b::169.254.169.254'],
  ['local-use NAT64 64:ff9b:1::/48', '64:ff9b:1::a9fe:a9fe'],
  ['discard 100::/64', '100::1'],
  ['Teredo 2001::/32', '2001::1'],
  ['benchmarking 2001:2::/48', '2001:2::1'],
  ['AMT 2001:3::/32', '2001:3::1'],
  ['AS112 2001:4:112::/48', '2001:4:112::1'],
  ['deprecated ORCHID 2001:10::/28', '2001:10::1'],
  ['ORCHIDv2 2001:20::/28', '2001:20::1'],
  ['drone remote ID 2001:30::/28', '2001:30::1'],
  ['IETF protocol assignments 2001::/23', '2001:1ff::1'],
  ['documentation 2001:db8::/32', '2001:db8::1'],
  ['6to4 2002::/16, loopback', '2002:7f00:1::'],
  ['6to4 2002::/16, instance metadata', '2002:a9fe:a9fe::1'],
  ['AS112 2620:4f:8000::/48', '2620:4f:8000::1'],
  ['documentation 3fff::/20', '3fff::1'],
  ['outside 2000::/3 (unassigned, ipaddr.js says unicast)', '4000::1'],
  ['segment routing 5f00::/16', '5f00::1'],
  ['unique-local fc00::/7', 'fc00::1'],
  ['unique-local fd00::/8 (EC2 IPv6 metadata)', 'fd00:ec2::254'],
  ['site-local fec0::/10 (deprecated)', 'fec0::1'],
  ['link-local fe80::/10', 'fe80::1'],
  ['link-local with a zone', 'fe80::1%eth0'],
  ['multicast ff00::/8', 'ff02::1'],
];

const PUBLIC: ReadonlyArray<[string, string]> = [
  ['a public IPv4 address', '93.184.216.34'],
  ['another public IPv4 address', '8.8.8.8'],
  ['Cloudflare IPv6 (2606:4700::/32)', '2606:4700::1111'],
  ['Google IPv6, inside 2001::/16 but outside its special blocks', '2001:4860:4860::8888'],
  ['near the top of 2000::/3, below documentation 3fff::/20', '3ffe:ffff::1'],
];

describe('Function: isPublicAddress (the one SSRF rule)', () => {
  it.each(NON_PUBLIC_IPV4)('refuses IPv4 %s: %s', (_range, address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(NON_PUBLIC_IPV6)('refuses IPv6 %s: %s', (_range, address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(PUBLIC)('allows %s: %s', (_name, address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each(['', 'acme.okta.com', 'localhost', '[::1]', '1.2.3.4.5', '::g'])(
    'refuses %j, which is no IP address',
    (value) => {
      expect(isPublicAddress(value)).toBe(false);
    },
  );
});

describe('Function: assertAcceptableIssuer outside local mode', () => {
  it.each([
    'https://[::127.0.0.1]',
    'https://[::a9fe:a9fe]/latest/meta-data',
    'https://[::7f00:1]:8443',
    'https://[::ffff:127.0.0.1]',
    'https://[::ffff:7f00:1]',
    'https://[64:ff9b::7f00:1]',
    'https://[2002:7f00:1::]',
    'https://[2001:db8::1]',
    'https://[fe80::1]',
    'https://[fc00::1]',
    'https://[ff02::1]',
    'https://[::]',
    'https://[::1]',
  ])('refuses %s as not a public host', (issuer) => {
    expect(() => assertAcceptableIssuer(issuer, false)).toThrow(/public host/);
  });

  it.each(['https://[2606:4700::1111]', 'https://93.184.216.34/oauth2/default', 'https://acme.okta.com'])(
    'accepts %s',
    (issuer) => {
      expect(assertAcceptableIssuer(issuer, false).href).toContain(new URL(issuer).host);
    },
  );

  it('still accepts a loopback http issuer in local mode', () => {
    expect(assertAcceptableIssuer('http://127.0.0.1:4000', true).host).toBe('127.0.0.1:4000');
    expect(assertAcceptableIssuer('http://[::1]:4000', true).host).toBe('[::1]:4000');
  });
});

describe('Function: isPrivateHost', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST.', true],
    ['api.localhost', true],
    ['127.0.0.1', true],
    ['10.0.0.8', true],
    ['172.16.4.4', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['[::1]', true],
    ['[fe80::1]', true],
    ['[fd00:ec2::254]', true],
    ['[::ffff:10.0.0.1]', true],
    ['[::127.0.0.1]', true],
    ['[::a9fe:a9fe]', true],
    ['[::7f00:1]', true],
    ['[64:ff9b::a9fe:a9fe]', true],
    ['[2002:a9fe:a9fe::]', true],
    ['acme.okta.com', false],
    ['8.8.8.8', false],
    ['[2606:4700::1111]', false],
  ])('%s → %s', (host, expected) => {
    expect(isPrivateHost(host)).toBe(expected);
  });
});

describe('Function: assertAcceptableEndpoint', () => {
  it('refuses a discovered endpoint on a private address outside local mode', () => {
    for (const endpoint of [
      'https://169.254.169.254/latest/meta-data',
      'https://10.0.0.1/token',
      'https://[fd00::1]/keys',
    ]) {
      expect(() => assertAcceptableEndpoint('token_endpoint', endpoint, false), endpoint).toThrow(ServiceError);
    }
    expect(assertAcceptableEndpoint('token_endpoint', 'https://acme.okta.com/oauth2/v1/token', false)).toBe(
      'https://acme.okta.com/oauth2/v1/token',
    );
  });
});
