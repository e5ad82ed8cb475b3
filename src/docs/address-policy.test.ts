import {describe, expect, it} from "vitest";
import {addressRestriction, isPublicAddress} from "./address-policy.js";

/** The host a URL connects to, the way WHATWG URL parsing (and so fetchUrl) normalises it. */
function urlHost(url: string): string {
  return new URL(url).hostname.replace(/^\[|\]$/g, "");
}

describe("isPublicAddress", () => {
  it.each([
    ["127.0.0.1", "a loopback address"],
    ["127.255.255.254", "a loopback address"],
    ["::1", "a loopback address"],
    ["0:0:0:0:0:0:0:1", "a loopback address"],
    ["0.0.0.0", 'an unspecified ("this network") address'],
    ["0.1.2.3", 'an unspecified ("this network") address'],
    ["::", "an unspecified address"],
    ["10.0.0.1", "a private address"],
    ["10.255.255.255", "a private address"],
    ["172.16.0.1", "a private address"],
    ["172.31.255.255", "a private address"],
    ["192.168.1.1", "a private address"],
    ["100.64.0.1", "a carrier-grade NAT (shared) address"],
    ["100.127.255.255", "a carrier-grade NAT (shared) address"],
    ["169.254.1.1", "a link-local address"],
    ["169.254.169.254", "a cloud metadata address"],
    ["fd00:ec2::254", "a cloud metadata address"],
    ["fe80::1", "a link-local address"],
    ["fe80::1%eth0", "a link-local address"],
    ["febf::1", "a link-local address"],
    ["fc00::1", "a unique-local address"],
    ["fd12:3456::1", "a unique-local address"],
    ["fec0::1", "a site-local (deprecated) address"],
    ["224.0.0.1", "a multicast address"],
    ["239.255.255.250", "a multicast address"],
    ["ff02::1", "a multicast address"],
    ["255.255.255.255", "a broadcast address"],
    ["240.0.0.1", "a reserved address"],
    ["192.0.0.8", "a reserved (IETF protocol assignment) address"],
    ["192.0.2.10", "a documentation address"],
    ["198.51.100.7", "a documentation address"],
    ["203.0.113.99", "a documentation address"],
    ["2001:db8::1", "a documentation address"],
    ["3fff::1", "a documentation address"],
    ["198.18.0.1", "a benchmarking address"],
    ["198.19.255.255", "a benchmarking address"],
    ["2001:2::1", "a benchmarking address"],
    ["2001::1", "a reserved (IETF protocol assignment) address"],
    ["100::1", "a discard-only address"],
    ["64:ff9b:1::1", "a local-use NAT64 address"],
    ["::ffff:127.0.0.1", "the IPv4-mapped form of 127.0.0.1 (a loopback address)"],
    ["::ffff:7f00:1", "the IPv4-mapped form of 127.0.0.1 (a loopback address)"],
    ["::FFFF:A9FE:A9FE", "the IPv4-mapped form of 169.254.169.254 (a cloud metadata address)"],
    ["::127.0.0.1", "the IPv4-compatible form of 127.0.0.1 (a loopback address)"],
    ["::a00:1", "the IPv4-compatible form of 10.0.0.1 (a private address)"],
    ["64:ff9b::127.0.0.1", "the NAT64 form of 127.0.0.1 (a loopback address)"],
    ["64:ff9b::c0a8:101", "the NAT64 form of 192.168.1.1 (a private address)"],
    ["2002:7f00:1::", "the 6to4 form of 127.0.0.1 (a loopback address)"],
    ["2002:a9fe:a9fe::1", "the 6to4 form of 169.254.169.254 (a cloud metadata address)"],
    ["4000::1", "a reserved (not global unicast) address"],
    ["localhost", "not an IP address"],
    ["127.1", "not an IP address"],
    ["0x7f000001", "not an IP address"],
    ["", "not an IP address"]
  ])("refuses %s as %s", (ip, restriction) => {
    expect(addressRestriction(ip)).toBe(restriction);
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "172.15.255.255",
    "172.32.0.1",
    "100.63.255.255",
    "100.128.0.1",
    "169.253.255.255",
    "198.17.255.255",
    "198.20.0.1",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "2001:4860:4860::8888",
    "2a00:1450:4001:80b::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1"
  ])("accepts %s", (ip) => {
    expect(addressRestriction(ip)).toBeUndefined();
    expect(isPublicAddress(ip)).toBe(true);
  });

  it.each([
    ["http://0x7f000001/", "127.0.0.1"],
    ["http://2130706433/", "127.0.0.1"],
    ["http://127.1/", "127.0.0.1"],
    ["http://0177.0.0.1/", "127.0.0.1"],
    ["http://127.000.000.001/", "127.0.0.1"],
    ["http://0/", "0.0.0.0"],
    ["http://[::ffff:127.0.0.1]/", "::ffff:7f00:1"],
    ["http://[0:0:0:0:0:ffff:7f00:0001]/", "::ffff:7f00:1"],
    ["http://[::1]:8080/", "::1"],
    ["http://0xa9.0xfe.0xa9.0xfe/", "169.254.169.254"],
    ["http://2852039166/", "169.254.169.254"]
  ])("refuses %s once URL parsing has normalised it to %s", (url, host) => {
    expect(urlHost(url)).toBe(host);
    expect(isPublicAddress(urlHost(url))).toBe(false);
  });
});
