/**
 * The SSRF guard's pure part: which IP addresses a user-chosen URL (a webhook endpoint) may reach, and
 * whether a URL is acceptable before any lookup. Refused: loopback, private (RFC 1918), CGNAT, link-local
 * (with the cloud metadata address 169.254.169.254), multicast, reserved and documentation ranges, IPv6
 * ULA, link-local, loopback, and every IPv6 form that embeds an IPv4 address (mapped, compatible, NAT64,
 * 6to4, Teredo), so a private IPv4 address cannot hide behind an IPv6 one. No I/O here: the modules
 * resolve names and call these checks on the answers.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** [first octets, prefix length] of the refused IPv4 ranges. */
const V4_REFUSED: readonly [number[], number][] = [
  [[0], 8], // "this network"
  [[10], 8], // private
  [[100, 64], 10], // CGNAT
  [[127], 8], // loopback
  [[169, 254], 16], // link-local, cloud metadata
  [[172, 16], 12], // private
  [[192, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2], 24], // documentation
  [[192, 88, 99], 24], // 6to4 relay
  [[192, 168], 16], // private
  [[198, 18], 15], // benchmarking
  [[198, 51, 100], 24], // documentation
  [[203, 0, 113], 24], // documentation
  [[224], 4], // multicast
  [[240], 4], // reserved, broadcast
];

/** [first 16-bit groups, prefix length] of the refused IPv6 ranges (`::` and `::1` are handled apart). */
const V6_REFUSED: readonly [number[], number][] = [
  [[0, 0, 0, 0, 0, 0], 96], // IPv4-compatible (deprecated) and ::, ::1
  [[0, 0, 0, 0, 0, 0xffff], 96], // IPv4-mapped
  [[0x64, 0xff9b], 32], // NAT64 (both the well-known and the local-use prefix)
  [[0x100], 64], // discard
  [[0x2001, 0], 32], // Teredo
  [[0x2001, 0xdb8], 32], // documentation
  [[0x2002], 16], // 6to4
  [[0xfc00], 7], // unique local
  [[0xfe80], 10], // link-local
  [[0xfec0], 10], // site-local (deprecated)
  [[0xff00], 8], // multicast
];

function v4Octets(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** The 8 groups of an IPv6 address (with a dotted IPv4 tail turned into two groups). */
export function v6Groups(ip: string): number[] {
  let text = ip.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a, b, c, d] = v4Octets(dotted[1]) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...zeros, ...t].map((g) => parseInt(g, 16));
}

function inRange(value: number[], bits: number, prefix: number[], len: number): boolean {
  for (let i = 0, left = len; left > 0; i++, left -= bits) {
    const take = Math.min(bits, left);
    const mask = ((1 << take) - 1) << (bits - take);
    if (((value[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** True when `ip` (an IPv4 or IPv6 literal) is a public unicast address a webhook may be sent to. */
export function isPublicAddress(ip: string): boolean {
  if (isIPv4(ip)) {
    const o = v4Octets(ip);
    return !V4_REFUSED.some(([prefix, len]) => inRange(o, 8, prefix, len));
  }
  if (isIPv6(ip)) {
    const g = v6Groups(ip);
    return !V6_REFUSED.some(([prefix, len]) => inRange(g, 16, prefix, len));
  }
  return false;
}

/** A URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Why `text` is not an acceptable webhook URL before any lookup, or undefined: it must be an absolute
 * https URL (http too when private addresses are allowed) without credentials, and an IP literal host
 * must be public unless private addresses are allowed.
 */
export function urlProblem(text: string, allowPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) return 'must be https';
  if (url.username || url.password) return 'must not contain a user name or password';
  const host = hostOf(url);
  if (!host) return 'has no host';
  if ((isIPv4(host) || isIPv6(host)) && !allowPrivate && !isPublicAddress(host))
    return 'points to a private, loopback or link-local address';
  return undefined;
}
