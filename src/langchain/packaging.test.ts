import {readdirSync, readFileSync} from "node:fs";
import {join, relative} from "node:path";
import {describe, expect, it} from "vitest";
import {projectRoot} from "../../test/support/shared.js";

/** Every non-test source file under src/, outside src/langchain and the browser client. */
function coreSources(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ["langchain", "test-fixtures", "client"].includes(entry.name) ? [] : coreSources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("h2ogpt-ts/langchain packaging", () => {
  it("is a subpath export with @langchain/core as an optional peer dependency", () => {
    const pkg = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8"));
    expect(pkg.exports["./langchain"]).toEqual({types: "./dist/langchain/index.d.ts", import: "./dist/langchain/index.js"});
    expect(pkg.peerDependencies["@langchain/core"]).toBe(">=1.0.0 <2");
    expect(pkg.peerDependenciesMeta["@langchain/core"]).toEqual({optional: true});
    expect(pkg.dependencies["@langchain/core"]).toBeUndefined();
  });

  it("the core package imports neither @langchain/* nor src/langchain, so it works without them", () => {
    const offenders = coreSources(join(projectRoot, "src")).filter((file) =>
      /(?:from|import)\s*\(?\s*["'](?:@langchain\/|[./]*langchain\/)/.test(readFileSync(file, "utf8"))
    );
    expect(offenders.map((file) => relative(projectRoot, file))).toEqual([]);
  });
});
