import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where no notification goes: link-local addresses (cloud metadata services answer at
 * 169.254.169.254 and fd00:ec2::254, handing out credentials to whoever asks from the host),
 * unspecified and multicast ones. Loopback and private networks stay allowed: receivers on the
 * same host or in the same network are the common case.
 */
const FORBIDDEN = new BlockList();
FORBIDDEN.addSubnet('0.0.0.0', 8, 'ipv4');
FORBIDDEN.addSubnet('169.254.0.0', 16, 'ipv4');
FORBIDDEN.addSubnet('224.0.0.0', 4, 'ipv4');
FORBIDDEN.addAddress('::', 'ipv6');
FORBIDDEN.addSubnet('fe80::', 10, 'ipv6');
FORBIDDEN.addSubnet('ff00::', 8, 'ipv6');
FORBIDDEN.addAddress('fd00:ec2::254', 'ipv6');

/** A host as a URL spells it: an IPv6 address loses its brackets. */
function bare(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** True for an IP address notifications may not go to; a name is judged by what it resolves to, when sending. */
export function isForbiddenAddress(host: string): boolean {
  const address = bare(host);
  const family = isIP(address);
  // BlockList checks an IPv4-mapped IPv6 address (::ffff:169.254.169.254) against the IPv4 rules.
  return family !== 0 && FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Why a send to `host` is refused, or null when it may go: every address the name resolves to
 * is checked, so a name pointing at a metadata service is refused like the address itself.
 */
export async function refusedDestination(host: string): Promise<string | null> {
  const name = bare(host);
  const addresses = isIP(name) ? [name] : (await lookup(name, { all: true })).map((entry) => entry.address);
  const forbidden = addresses.find(isForbiddenAddress);
  return forbidden === undefined ? null : `refused: ${name} is a link-local, multicast or unspecified address${forbidden === name ? '' : ` (${forbidden})`}`;
}
