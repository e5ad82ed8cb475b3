import {afterEach, describe, expect, it, vi} from "vitest";
import {jsonInit, makeHarness, type Harness} from "../../test/server/app-harness.js";
import {ScriptedModel} from "../../test/server/scripted-model.js";
import {LoginThrottle} from "./login-throttle.js";
import {hashPassword, verifyPassword} from "./password-hash.js";

// Stands in for scrypt (0.3 s a guess) and counts (and can hold) verifications, so tests see how many guesses
// reached the verifier; the throttle under test never looks at hashes.
vi.mock("./password-hash.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("./password-hash.js")>();
  return {
    ...original,
    hashPassword: async (password: string) => `fake$${password}`,
    verifyPassword: vi.fn(async (password: string, hash: string) => hash === `fake$${password}`),
    decoyPasswordHash: async () => "decoy"
  };
});
const verify = vi.mocked(verifyPassword);
const fakeVerify = verify.getMockImplementation()!;

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Sends all `bodies` at once from `peer` while every verification is held, and releases them only when each
 * request has either reached the verifier or been answered: so "all at once" does not depend on timing.
 */
async function concurrentLogins(fetch: Harness["fetch"], bodies: object[], peer: string): Promise<{responses: Response[]; verified: number}> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  verify.mockClear();
  verify.mockImplementation(async (password, hash) => {
    await gate;
    return fakeVerify(password, hash);
  });
  let answered = 0;
  const pending = bodies.map((body) => fetch("/auth/login", jsonInit(body), peer).then((response) => (answered++, response)));
  await until(() => answered + verify.mock.calls.length === bodies.length, "every login to be verified or refused");
  const verified = verify.mock.calls.length;
  release();
  return {responses: await Promise.all(pending), verified};
}

async function aliceServer(throttle = new LoginThrottle()): Promise<Harness> {
  const users = new Map([["alice", {username: "alice", passwordHash: await hashPassword("right")}]]);
  return makeHarness({models: [new ScriptedModel()], users, loginThrottle: throttle, trustedProxies: ["10.0.0.0/8"]});
}

describe("login throttle", () => {
  afterEach(() => verify.mockImplementation(fakeVerify));

  it("verifies at most the limit of 30 concurrent wrong logins; the rest get 429, and a correct 30th does not log in", async () => {
    const {fetch} = await aliceServer(new LoginThrottle({pairFreeFailures: 5, maxInFlightPerUser: 30, maxInFlightPerClient: 30}));
    const bodies = Array.from({length: 30}, (_, i) => ({username: "alice", password: i === 29 ? "right" : `wrong-${i}`}));
    const {responses, verified} = await concurrentLogins(fetch, bodies, "203.0.113.9");
    expect(verified).toBe(5);
    expect(responses.filter((r) => r.status === 401)).toHaveLength(5);
    const refused = responses.filter((r) => r.status === 429);
    expect(refused).toHaveLength(25);
    for (const response of refused) expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(responses[29]!.status).toBe(429);
    expect(responses[29]!.headers.get("set-cookie")).toBeNull();
  });

  it("caps verifications in flight per user and per client", async () => {
    const {fetch} = await aliceServer(new LoginThrottle({maxInFlightPerUser: 2, maxInFlightPerClient: 3}));
    const oneUser = await concurrentLogins(fetch, Array.from({length: 10}, (_, i) => ({username: "alice", password: `w${i}`})), "203.0.113.1");
    expect(oneUser.verified).toBe(2);
    expect(oneUser.responses.filter((r) => r.status === 429)).toHaveLength(8);
    const manyUsers = await concurrentLogins(fetch, Array.from({length: 10}, (_, i) => ({username: `user${i}`, password: "w"})), "203.0.113.2");
    expect(manyUsers.verified).toBe(3);
    for (const response of manyUsers.responses.filter((r) => r.status === 429)) expect(response.headers.get("retry-after")).toBe("1");
  });

  it("an attacker at address A failing for alice does not stop alice logging in from address B", async () => {
    const {fetch} = await aliceServer();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await fetch("/auth/login", jsonInit({username: "alice", password: `guess-${i}`}), "203.0.113.9")).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(statuses.slice(5))).toEqual(new Set([429]));
    // Even the right password waits at A: the pair is slowed, whoever is typing.
    expect((await fetch("/auth/login", jsonInit({username: "alice", password: "right"}), "203.0.113.9")).status).toBe(429);
    const fromB = await fetch("/auth/login", jsonInit({username: "alice", password: "right"}), "198.51.100.7");
    expect(fromB.status).toBe(200);
  });

  it("the per-user ceiling over all addresses slows logins for that user by a bounded wait", async () => {
    const {fetch} = await aliceServer(new LoginThrottle({userFreeFailures: 10, maxUserDelayMs: 4000}));
    for (let i = 0; i < 10; i++) expect((await fetch("/auth/login", jsonInit({username: "alice", password: "x"}), `203.0.113.${i + 10}`)).status).toBe(401);
    const slowed = await fetch("/auth/login", jsonInit({username: "alice", password: "right"}), "198.51.100.7");
    expect(slowed.status).toBe(429);
    expect(Number(slowed.headers.get("retry-after"))).toBeLessThanOrEqual(4);
  });

  it("believes X-Forwarded-For only from a trusted proxy (the rightmost untrusted address is the client)", async () => {
    const {fetch} = await aliceServer();
    // From an untrusted peer a fresh X-Forwarded-For per guess changes nothing: the peer is the client.
    const direct: number[] = [];
    for (let i = 0; i < 7; i++)
      direct.push((await fetch("/auth/login", jsonInit({username: "alice", password: `g${i}`}, {"x-forwarded-for": `192.0.2.${i}`}), "203.0.113.9")).status);
    expect(direct.slice(5)).toEqual([429, 429]);

    // Through the trusted proxy at 10.0.0.2 the client is 198.51.100.20 even though it also wrote a fake hop.
    const viaProxy = (password: string, forwardedFor: string): Promise<Response> =>
      fetch("/auth/login", jsonInit({username: "alice", password}, {"x-forwarded-for": forwardedFor}), "10.0.0.2");
    const proxied: number[] = [];
    for (let i = 0; i < 7; i++) proxied.push((await viaProxy(`p${i}`, `192.0.2.${i}, 198.51.100.20, 10.0.0.3`)).status);
    expect(proxied).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // Another client behind the same proxy is not slowed by that one.
    expect((await viaProxy("right", "198.51.100.21")).status).toBe(200);
  });
});
