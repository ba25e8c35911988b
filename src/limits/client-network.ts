/**
 * The subject of a per-IP limit: an IPv4 address as it is, an IPv6 address by its /64 prefix (one
 * home or server usually gets a whole /64, so single IPv6 addresses would be free to rotate).
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The eight 16-bit groups of an IPv6 address (with `::` expanded and an IPv4 tail converted). */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').flatMap(groupsOf));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const missing = 8 - left.length - right.length;
  return [...left, ...Array.from({ length: Math.max(0, missing) }, () => '0'), ...right];
}

/** One group, or the two groups of a dotted IPv4 tail (`::ffff:1.2.3.4`). */
function groupsOf(part: string): string[] {
  if (!isIPv4(part)) return [Number.parseInt(part, 16).toString(16)];
  const [a = 0, b = 0, c = 0, d = 0] = part.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}

/** `203.0.113.7` → itself; `::ffff:203.0.113.7` → `203.0.113.7`; `2001:db8::1` → `2001:db8:0:0::/64`. */
export function clientNetwork(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  if (!isIPv6(ip)) return ip;
  return `${ipv6Groups(ip.split('%')[0] ?? ip)
    .slice(0, 4)
    .join(':')}::/64`;
}
