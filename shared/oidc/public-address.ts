import ipaddr from 'ipaddr.js';

/** IPv6 global unicast (RFC 4291 §2.4): every address Okta could be on lies inside it. */
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');

/**
 * IPv6 ranges ipaddr.js reports as `unicast` that still lead back to IPv4 or
 * to this network. `::/96` holds the deprecated IPv4-compatible addresses
 * (RFC 4291 §2.5.5.1): `[::a9fe:a9fe]` is 169.254.169.254 to a stack or
 * proxy that still honours them. It is outside `2000::/3` too; the entry says
 * so by name, so widening the allowed prefix can never let it back in.
 */
const DENIED_UNICAST_IPV6: ReadonlyArray<[ipaddr.IPv6, number]> = [ipaddr.IPv6.parseCIDR('::/96')];

/**
 * The one rule for which addresses the service may connect to outside local
 * mode (SSRF): the issuer policy applies it to IP literals in URLs, and the
 * HTTP client to every address a name resolves to and to literals at connect
 * time (`createHttpFetch`), so the two can never disagree.
 *
 * - IPv4: only what ipaddr.js calls `unicast`, so not unspecified `0/8`,
 *   loopback, private (RFC 1918), carrier-grade NAT, link-local (the instance
 *   metadata address), multicast, broadcast, reserved, documentation,
 *   benchmarking, AS112 or AMT.
 * - IPv6: only global unicast `2000::/3`, and within it only what ipaddr.js
 *   calls `unicast` (not 6to4 `2002::/16`, Teredo `2001::/32`, documentation
 *   `2001:db8::/32` and `3fff::/20`, ORCHID, benchmarking, AMT, AS112, the
 *   rest of `2001::/23`). Everything that embeds or translates IPv4 is
 *   outside `2000::/3` and so refused whatever IPv4 it carries:
 *   IPv4-compatible `::/96`, IPv4-mapped `::ffff:0:0/96`, SIIT
 *   `::ffff:0:0:0/96`, NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`; so are
 *   loopback, unspecified, link-local, unique-local, multicast, discard and
 *   segment routing.
 *
 * Anything that does not parse as an IP address is not public. Note that
 * ipaddr.js reads the dotted form `::127.0.0.1` as IPv4-mapped while the
 * operating system reads it as IPv4-compatible `::7f00:1`; both are refused.
 *
 * @param ip an IPv4 or IPv6 address, without brackets
 * @returns true only when the address is public
 */
export function isPublicAddress(ip: string): boolean {
  if (!ipaddr.isValid(ip)) return false;
  const address = ipaddr.parse(ip);
  if (address.kind() === 'ipv4') return address.range() === 'unicast';
  return (
    address.match(GLOBAL_UNICAST) &&
    address.range() === 'unicast' &&
    !DENIED_UNICAST_IPV6.some((range) => address.match(range))
  );
}
