import {describe, expect, it} from "vitest";
import {UsageError} from "../errors/index.js";
import {parseTrustedProxies, resolveClient} from "./client-address.js";

describe("client address", () => {
  const trusted = parseTrustedProxies(["10.0.0.0/8,::1", "192.168.1.5"]);
  const resolve = (peer: string, forwardedFor?: string, forwardedProto?: string) =>
    resolveClient({peer, forwardedFor, forwardedProto, requestHttps: false, trusted});

  it("ignores forwarding headers from an untrusted peer and believes them from a trusted proxy", () => {
    expect(resolve("203.0.113.9", "198.51.100.1", "https")).toEqual({address: "203.0.113.9", https: false});
    expect(resolve("10.1.2.3", "198.51.100.1", "https")).toEqual({address: "198.51.100.1", https: true});
    expect(resolve("::ffff:10.1.2.3", "198.51.100.1")).toEqual({address: "198.51.100.1", https: false});
    expect(resolve("::1", "198.51.100.1", "http")).toEqual({address: "198.51.100.1", https: false});
  });

  it("takes the rightmost address that is not a trusted proxy, so a client cannot choose its own", () => {
    expect(resolve("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.3, 192.168.1.5").address).toBe("198.51.100.1");
    expect(resolve("10.0.0.2", "10.0.0.4, 10.0.0.3").address).toBe("10.0.0.4");
    expect(resolve("10.0.0.2").address).toBe("10.0.0.2");
    expect(resolve("10.0.0.2", "[2001:db8::1]:443, 198.51.100.1:5000").address).toBe("198.51.100.1");
  });

  it("counts IPv6 clients per /64 and IPv4-mapped addresses as IPv4", () => {
    expect(resolve("2001:db8:1:2:aaaa::1").address).toBe("2001:db8:1:2::/64");
    expect(resolve("2001:db8:1:2:bbbb:cccc:dddd:eeee").address).toBe("2001:db8:1:2::/64");
    expect(resolve("2001:db8::5").address).toBe("2001:db8:0:0::/64");
    expect(resolve("::ffff:203.0.113.9").address).toBe("203.0.113.9");
    expect(resolveClient({peer: undefined, forwardedFor: "1.2.3.4", forwardedProto: undefined, requestHttps: true, trusted})).toEqual({address: "unknown", https: true});
  });

  it("rejects a bad --trusted_proxies entry as a usage error naming it", () => {
    for (const bad of ["10.0.0.0/33", "proxy.example", "10.0.0.0/", "::1/129", "10.0.0.0/8x", "10.0.0.0/8/9"]) {
      expect(() => parseTrustedProxies([bad]), bad).toThrow(UsageError);
      expect(() => parseTrustedProxies([bad]), bad).toThrow(`--trusted_proxies: expected IP addresses or CIDR blocks such as 10.0.0.0/8 or ::1, got '${bad}'`);
    }
  });
});
