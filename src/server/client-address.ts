import {BlockList, isIP} from "node:net";
import {getConnInfo} from "@hono/node-server/conninfo";
import type {Context, MiddlewareHandler} from "hono";
import {UsageError} from "../errors/index.js";

/**
 * Who is on the other end of a request, for the login and API key throttles and the session cookie's Secure flag.
 *
 * Threat model: any client can send `X-Forwarded-For` and `X-Forwarded-Proto`. Believing them from anyone would let
 * a guesser pick the address its failures are counted against (a fresh one per request, or its victim's). They are
 * believed only when the TCP peer is in `--trusted_proxies`; the client is then the rightmost X-Forwarded-For
 * address that is not itself a trusted proxy, since each proxy appends the address it saw and everything to the
 * left of that may have been written by the client. `X-Forwarded-Proto` (its first value, as Express reads it) only
 * decides whether the cookie is marked Secure, so a forged value can only break the forger's own session. IPv6
 * clients are counted per /64, the smallest block a subscriber is usually given: counting single addresses would
 * hand each of them 2^64 fresh identities.
 */

export interface ClientInfo {
  /** What the throttles count against: the client's IPv4 address, its IPv6 /64, or "unknown" (no socket). */
  readonly address: string;
  /** The client reached the server (or the trusted proxy in front of it) over https. */
  readonly https: boolean;
}

/** Parses `--trusted_proxies` (addresses or CIDR blocks, IPv4 or IPv6); a bad entry is a UsageError naming it. */
export function parseTrustedProxies(values: readonly string[]): BlockList {
  const list = new BlockList();
  for (const raw of values.flatMap((value) => value.split(","))) {
    const value = raw.trim();
    if (value === "") continue;
    const slash = value.indexOf("/");
    const address = slash < 0 ? value : value.slice(0, slash);
    const prefix = slash < 0 ? undefined : value.slice(slash + 1);
    const family = isIP(address);
    const bits = prefix == null ? (family === 6 ? 128 : 32) : Number(prefix);
    if (family === 0 || (prefix != null && !/^\d{1,3}$/.test(prefix)) || bits > (family === 6 ? 128 : 32))
      throw new UsageError(`--trusted_proxies: expected IP addresses or CIDR blocks such as 10.0.0.0/8 or ::1, got '${value}'`);
    list.addSubnet(address, bits, family === 6 ? "ipv6" : "ipv4");
  }
  return list;
}

/** Drops a port or brackets that some proxies write (`[::1]:80`, `1.2.3.4:5678`). */
function bareAddress(value: string): string {
  const trimmed = value.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(trimmed);
  if (bracketed != null) return bracketed[1]!;
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(trimmed);
  return v4WithPort?.[1] ?? trimmed;
}

function isTrusted(trusted: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && trusted.check(address, family === 6 ? "ipv6" : "ipv4");
}

/** An IPv4 address as is (also when IPv4-mapped), an IPv6 address as its /64. */
function throttleKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped != null) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  const [head = "", tail] = address.toLowerCase().split("%")[0]!.split("::");
  const groups = (part: string | undefined): string[] => (part == null || part === "" ? [] : part.split(":").flatMap((g) => (g.includes(".") ? ["0", "0"] : [g])));
  const left = groups(head);
  const right = groups(tail);
  const all = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${all.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(":")}::/64`;
}

/** The client behind `peer` given the forwarding headers, believed only from trusted proxies. */
export function resolveClient(options: {
  peer: string | undefined;
  forwardedFor: string | undefined;
  forwardedProto: string | undefined;
  requestHttps: boolean;
  trusted: BlockList;
}): ClientInfo {
  const {peer, trusted} = options;
  if (peer == null || peer === "") return {address: "unknown", https: options.requestHttps};
  if (!isTrusted(trusted, peer)) return {address: throttleKey(peer), https: options.requestHttps};
  let client = peer;
  const hops = (options.forwardedFor ?? "").split(",").map(bareAddress).filter((hop) => hop !== "");
  for (let i = hops.length - 1; i >= 0; i--) {
    client = hops[i]!;
    if (!isTrusted(trusted, client)) break;
  }
  const proto = options.forwardedProto?.split(",")[0]?.trim().toLowerCase();
  return {address: throttleKey(client), https: proto == null || proto === "" ? options.requestHttps : proto === "https"};
}

function peerAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

/** Sets the `client` variable ({@link ClientInfo}) for later handlers. */
export function clientInfo(trusted: BlockList): MiddlewareHandler<{Variables: {client: ClientInfo}}> {
  return async (c, next) => {
    c.set(
      "client",
      resolveClient({
        peer: peerAddress(c),
        forwardedFor: c.req.header("x-forwarded-for"),
        forwardedProto: c.req.header("x-forwarded-proto"),
        requestHttps: new URL(c.req.url).protocol === "https:",
        trusted
      })
    );
    await next();
  };
}
