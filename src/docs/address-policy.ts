import {isIP} from "node:net";

/**
 * Threat model: a URL a user hands to the document stage resolves to an address inside the server's network
 * (loopback services, the cloud metadata endpoint, a private LAN, a NAT64 or 6to4 spelling of one of those), and
 * the server fetches it on the user's behalf (SSRF). Only globally routable unicast addresses are public; anything
 * this module cannot parse is treated as not public, so an odd spelling fails closed.
 */

interface Range {
  readonly base: number;
  readonly bits: number;
  readonly kind: string;
}

function v4(dotted: string, bits: number, kind: string): Range {
  return {base: parseIpv4(dotted)!, bits, kind};
}

/** Checked in order: the narrow cases (metadata, broadcast) before the blocks that hold them. */
const IPV4_RANGES: readonly Range[] = [
  v4("169.254.169.254", 32, "a cloud metadata address"),
  v4("255.255.255.255", 32, "a broadcast address"),
  v4("0.0.0.0", 8, "an unspecified (\"this network\") address"),
  v4("10.0.0.0", 8, "a private address"),
  v4("100.64.0.0", 10, "a carrier-grade NAT (shared) address"),
  v4("127.0.0.0", 8, "a loopback address"),
  v4("169.254.0.0", 16, "a link-local address"),
  v4("172.16.0.0", 12, "a private address"),
  v4("192.0.0.0", 24, "a reserved (IETF protocol assignment) address"),
  v4("192.0.2.0", 24, "a documentation address"),
  v4("192.88.99.0", 24, "a reserved (6to4 relay anycast) address"),
  v4("192.168.0.0", 16, "a private address"),
  v4("198.18.0.0", 15, "a benchmarking address"),
  v4("198.51.100.0", 24, "a documentation address"),
  v4("203.0.113.0", 24, "a documentation address"),
  v4("224.0.0.0", 4, "a multicast address"),
  v4("240.0.0.0", 4, "a reserved address")
];

function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

function ipv4Restriction(value: number): string | undefined {
  for (const range of IPV4_RANGES) {
    const size = 2 ** (32 - range.bits);
    if (Math.floor(value / size) === Math.floor(range.base / size)) return range.kind;
  }
  return undefined;
}

/** Eight 16-bit groups, with `::` expanded and a trailing dotted IPv4 turned into the last two groups. */
function parseIpv6(text: string): number[] | undefined {
  let body = text;
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (dotted != null) {
    const value = parseIpv4(dotted[1]);
    if (value == null) return undefined;
    body = `${body.slice(0, dotted.index)}:${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`;
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const toGroups = (half: string): number[] | undefined => {
    if (half === "") return [];
    const groups: number[] = [];
    for (const group of half.split(":")) {
      if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
      groups.push(parseInt(group, 16));
    }
    return groups;
  };
  const head = toGroups(halves[0]);
  const rest = halves.length === 2 ? toGroups(halves[1]) : [];
  if (head == null || rest == null) return undefined;
  const explicit = head.length + rest.length;
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return undefined;
  return [...head, ...new Array<number>(8 - explicit).fill(0), ...rest];
}

function startsWith(groups: readonly number[], prefix: readonly number[]): boolean {
  return prefix.every((group, index) => groups[index] === group);
}

/** The restriction of an IPv4 address carried inside an IPv6 one (mapped, compatible, NAT64, 6to4), if any. */
function embeddedRestriction(high: number, low: number, wrapper: string): string | undefined {
  const ipv4 = high * 65536 + low;
  const kind = ipv4Restriction(ipv4);
  return kind == null ? undefined : `${wrapper} of ${formatIpv4(ipv4)} (${kind})`;
}

function ipv6Restriction(groups: readonly number[]): string | undefined {
  const [g0, g1, g2, , , , g6, g7] = groups;
  if (groups.every((group) => group === 0)) return "an unspecified address";
  if (startsWith(groups, [0, 0, 0, 0, 0, 0, 0, 1])) return "a loopback address";
  if (startsWith(groups, [0, 0, 0, 0, 0, 0xffff])) return embeddedRestriction(g6, g7, "the IPv4-mapped form");
  if (startsWith(groups, [0, 0, 0, 0, 0, 0])) return embeddedRestriction(g6, g7, "the IPv4-compatible form");
  if (startsWith(groups, [0x64, 0xff9b, 0, 0, 0, 0])) return embeddedRestriction(g6, g7, "the NAT64 form");
  if (startsWith(groups, [0x64, 0xff9b, 1])) return "a local-use NAT64 address";
  if (g0 === 0x2002) return embeddedRestriction(g1, g2, "the 6to4 form");
  if (startsWith(groups, [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254])) return "a cloud metadata address";
  if ((g0 & 0xfe00) === 0xfc00) return "a unique-local address";
  if ((g0 & 0xffc0) === 0xfe80) return "a link-local address";
  if ((g0 & 0xffc0) === 0xfec0) return "a site-local (deprecated) address";
  if ((g0 & 0xff00) === 0xff00) return "a multicast address";
  if (startsWith(groups, [0x2001, 0xdb8]) || (g0 === 0x3fff && g1 < 0x1000)) return "a documentation address";
  if (startsWith(groups, [0x2001, 2, 0])) return "a benchmarking address";
  if (g0 === 0x2001 && g1 < 0x200) return "a reserved (IETF protocol assignment) address";
  if (startsWith(groups, [0x100, 0, 0, 0])) return "a discard-only address";
  if ((g0 & 0xe000) !== 0x2000) return "a reserved (not global unicast) address";
  return undefined;
}

/**
 * Why `ip` is not a public address, phrased to follow "<ip> is " ("a loopback address", "the IPv4-mapped form of
 * 127.0.0.1 (a loopback address)"), or undefined when it is public. Anything but a plain IPv4 or IPv6 address
 * (an IPv6 zone id is ignored) is refused.
 */
export function addressRestriction(ip: string): string | undefined {
  const bare = ip.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const family = isIP(bare);
  if (family === 4) return ipv4Restriction(parseIpv4(bare)!);
  if (family === 6) {
    const groups = parseIpv6(bare);
    return groups == null ? "an unparsable address" : ipv6Restriction(groups);
  }
  return "not an IP address";
}

/** True when `ip` is a globally routable unicast address a user-supplied URL may make the server connect to. */
export function isPublicAddress(ip: string): boolean {
  return addressRestriction(ip) == null;
}
