import {describe, expect, it} from "vitest";
import {checkBindPolicy, InsecureBindError, isLoopbackHost} from "./bind-policy.js";

describe("bind policy", () => {
  it("knows loopback addresses", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "::ffff:127.0.0.1", "app.localhost"])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ["0.0.0.0", "::", "192.168.1.4", "10.0.0.1", "example.com", "128.0.0.1"]) expect(isLoopbackHost(host), host).toBe(false);
  });

  it("refuses a public bind without users or keys in one line, unless told it is fine", () => {
    const base = {hasUsers: false, hasApiKeys: false, allowInsecurePublic: false};
    expect(() => checkBindPolicy({...base, host: "0.0.0.0"})).toThrow(InsecureBindError);
    expect(() => checkBindPolicy({...base, host: "0.0.0.0"})).toThrow(/^refusing to listen on 0\.0\.0\.0 without --auth[^\n]*--allow_insecure_public/);
    expect(new InsecureBindError("::").exitCode).toBe(2);
    expect(() => checkBindPolicy({...base, host: "127.0.0.1"})).not.toThrow();
    expect(() => checkBindPolicy({...base, host: "0.0.0.0", hasUsers: true})).not.toThrow();
    expect(() => checkBindPolicy({...base, host: "0.0.0.0", hasApiKeys: true})).not.toThrow();
    expect(() => checkBindPolicy({...base, host: "0.0.0.0", allowInsecurePublic: true})).not.toThrow();
  });
});
