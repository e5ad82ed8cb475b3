import {mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, relative} from "node:path";
import {describe, expect, it, vi} from "vitest";
import {projectRoot, resolveSharedFixture} from "./shared.js";

describe("shared fixtures", () => {
  const dir = mkdtempSync(join(tmpdir(), "h2ogpt-shared-"));
  mkdirSync(join(dir, "fixtures", "models"), {recursive: true});
  writeFileSync(join(dir, "fixtures", "models", "present.gguf"), "");

  it("outside CI: an absent ../shared gives undefined and says why, so the test is skipped", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(resolveSharedFixture({sharedDir: undefined, relative: "models/x.gguf", ci: false})).toBeUndefined();
    expect(warn).toHaveBeenCalledWith("skipping: ../shared is absent, so models/x.gguf is not available");
    warn.mockRestore();
    expect(resolveSharedFixture({sharedDir: dir, relative: "models/present.gguf", ci: false})).toBe(join(dir, "fixtures", "models", "present.gguf"));
  });

  it("in CI: an absent ../shared or fixture fails instead of skipping", () => {
    expect(() => resolveSharedFixture({sharedDir: undefined, relative: "models/x.gguf", ci: true})).toThrow("../shared is absent, but CI must have models/x.gguf");
    expect(() => resolveSharedFixture({sharedDir: dir, relative: "models/missing.gguf", ci: true})).toThrow(/missing\.gguf is missing, but CI must have it/);
    expect(resolveSharedFixture({sharedDir: dir, relative: "models/present.gguf", ci: true})).toBe(join(dir, "fixtures", "models", "present.gguf"));
  });

  it("no test returns early (and passes) when a fixture is missing: they skipIf instead", () => {
    const testFiles = (folder: string): string[] =>
      readdirSync(folder, {withFileTypes: true}).flatMap((entry) => {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) return testFiles(path);
        return entry.name.endsWith(".test.ts") ? [path] : [];
      });
    const fixtureNames = /\b(?:\w+Path|tiny|neox|source|sharedDir)\b/;
    const offenders = [...testFiles(join(projectRoot, "src")), ...testFiles(join(projectRoot, "test"))].flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .map((line, index) => ({line, index}))
        .filter(({line}) => /^\s*if \([^)]*(?:== null|=== undefined)[^)]*\) return;/.test(line) && fixtureNames.test(line))
        .map(({index}) => `${relative(projectRoot, file)}:${index + 1}`)
    );
    expect(offenders).toEqual([]);
  });
});
