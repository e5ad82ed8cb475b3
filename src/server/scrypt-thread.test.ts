import {execFileSync} from "node:child_process";
import {scryptSync} from "node:crypto";
import {fileURLToPath} from "node:url";
import {describe, expect, it} from "vitest";
import {scryptOnThread} from "./scrypt-thread.js";

const options = {N: 2 ** 10, r: 8, p: 1, maxmem: 64 * 2 ** 20};

describe("scryptOnThread", () => {
  it("derives what crypto.scryptSync derives, for requests in flight together", async () => {
    const salts = [Buffer.from("salt-one-16bytes"), Buffer.from("salt-two-16bytes"), Buffer.from("salt-3")];
    const keys = await Promise.all(salts.map((salt, i) => scryptOnThread(`pässword ${i}`, salt, 32, options)));
    keys.forEach((key, i) => expect(key.equals(scryptSync(`pässword ${i}`, salts[i]!, 32, options))).toBe(true));
  });

  it("rejects with scrypt's own message on bad parameters, and works again after", async () => {
    await expect(scryptOnThread("x", Buffer.from("salt"), 32, {...options, N: 3})).rejects.toThrow(/N|cost/i);
    expect((await scryptOnThread("x", Buffer.from("salt"), 16, options)).equals(scryptSync("x", Buffer.from("salt"), 16, options))).toBe(true);
  });

  it("lets the process exit once nothing is pending", () => {
    const module = fileURLToPath(new URL("./scrypt-thread.ts", import.meta.url));
    const script = `import {scryptOnThread} from ${JSON.stringify(module)}; const key = await scryptOnThread("x", Buffer.from("salt"), 8, ${JSON.stringify(options)}); console.log(key.length);`;
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {encoding: "utf8", timeout: 20_000});
    expect(out.trim()).toBe("8");
  });
});
