import {describe, expect, it} from "vitest";
import {loadApiKeys} from "../../src/server/api-keys.js";
import type {UserStore} from "../../src/server/user-store.js";
import type {Factory} from "./store-suites.js";

/** The UserStore suite, run unchanged against MemoryUserStore and PgUserStore (stores.model.test.ts). */

const KEY_A = "sk-alpha-0123456789";
const KEY_B = "sk-bravo-0123456789";

export function describeUserStore(name: string, factory: Factory<UserStore>): void {
  describe(`UserStore: ${name}`, () => {
    it("seeds users: the file's hash and admin flag win, users absent from the file stay unless pruning", async () => {
      const store = await factory();
      expect(await store.seed({users: [{username: "alice", passwordHash: "scrypt$a1"}, {username: "root", passwordHash: "scrypt$r1", admin: true}], now: 1000})).toEqual({
        usersAdded: ["alice", "root"],
        usersUpdated: [],
        usersRemoved: [],
        keysAdded: 0,
        keysRemoved: 0
      });
      expect(await store.user("root")).toEqual({username: "root", passwordHash: "scrypt$r1", admin: true, createdAt: 1000, updatedAt: 1000});
      expect(await store.user("nobody")).toBeUndefined();

      // Another replica's file: alice's new password, root no longer an admin, bob new; carol's absence removes no one.
      const second = await store.seed({
        users: [{username: "alice", passwordHash: "scrypt$a2"}, {username: "root", passwordHash: "scrypt$r1", admin: false}, {username: "bob", passwordHash: "scrypt$b1"}],
        now: 2000
      });
      expect([second.usersAdded, second.usersUpdated, second.usersRemoved]).toEqual([["bob"], ["alice", "root"], []]);
      expect(await store.user("alice")).toEqual({username: "alice", passwordHash: "scrypt$a2", admin: false, createdAt: 1000, updatedAt: 2000});
      expect((await store.user("root"))!.admin).toBe(false);

      // The same file again changes nothing, not even updatedAt.
      const same = await store.seed({users: [{username: "alice", passwordHash: "scrypt$a2"}], now: 3000});
      expect([same.usersAdded, same.usersUpdated, same.usersRemoved]).toEqual([[], [], []]);
      expect((await store.user("alice"))!.updatedAt).toBe(2000);
      expect(await store.counts()).toEqual({users: 3, apiKeys: 0});

      // Pruning without a users list (only keys given) leaves the users alone.
      expect((await store.seed({apiKeys: [], prune: true, now: 4000})).usersRemoved).toEqual([]);
      expect((await store.seed({users: [{username: "alice", passwordHash: "scrypt$a2"}], prune: true, now: 4000})).usersRemoved).toEqual(["bob", "root"]);
      expect(await store.user("bob")).toBeUndefined();
      expect([...(await store.principalNames())]).toEqual(["alice"]);
    });

    it("matches presented keys, adds new ones, removes absent ones only when pruning", async () => {
      const store = await factory();
      const [a, b] = loadApiKeys({env: `${KEY_A},${KEY_B}`});
      expect((await store.seed({apiKeys: [a!, b!], now: 10})).keysAdded).toBe(2);
      expect(await store.matchApiKey(KEY_A)).toEqual({identity: a!.identity, digest: a!.digest, source: "H2OGPT_API_KEYS", createdAt: 10, lastUsedAt: undefined});
      expect((await store.matchApiKey(KEY_B))!.identity).toBe(b!.identity);
      expect(await store.matchApiKey("sk-alpha-012345678")).toBeUndefined();
      expect(await store.seed({apiKeys: [a!], now: 20})).toEqual({usersAdded: [], usersUpdated: [], usersRemoved: [], keysAdded: 0, keysRemoved: 0});
      expect((await store.matchApiKey(KEY_A))!.createdAt).toBe(10);
      expect(await store.matchApiKey(KEY_B)).toBeDefined();
      expect((await store.seed({apiKeys: [a!], prune: true, now: 30})).keysRemoved).toBe(1);
      expect(await store.matchApiKey(KEY_B)).toBeUndefined();
      expect([...(await store.principalNames())]).toEqual([a!.identity]);
      expect(await store.counts()).toEqual({users: 0, apiKeys: 1});
    });

    it("records a key's last use at most once a minute", async () => {
      const store = await factory();
      const [a] = loadApiKeys({env: KEY_A});
      await store.seed({apiKeys: [a!], now: 0});
      const used = async (now: number): Promise<number | undefined> => {
        await store.keyUsed((await store.matchApiKey(KEY_A))!, now);
        return (await store.apiKey(a!.identity))!.lastUsedAt;
      };
      expect(await used(1000)).toBe(1000);
      expect(await used(30_000)).toBe(1000);
      expect(await used(60_999)).toBe(1000);
      expect(await used(61_000)).toBe(61_000);
      expect(await used(100_000)).toBe(61_000);
      expect(await store.apiKey("key-000000000000")).toBeUndefined();
    });
  });
}
