import {mkdtempSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {defaultModelPath} from "./default-model.js";

describe("defaultModelPath", () => {
  it("takes the first chat GGUF by name and never the shipped reward model beside it", () => {
    const dir = mkdtempSync(join(tmpdir(), "default-model-"));
    for (const name of ["a-reward.gguf", "notes.txt", "m-chat.gguf", "b-chat.GGUF"]) writeFileSync(join(dir, name), "");
    expect(defaultModelPath(dir)).toBe(join(dir, "b-chat.GGUF"));
  });

  it("is undefined for a folder with only a reward model, or no folder", () => {
    const dir = mkdtempSync(join(tmpdir(), "default-model-"));
    writeFileSync(join(dir, "h2ogpt-ts-reward.gguf"), "");
    expect(defaultModelPath(dir)).toBeUndefined();
    expect(defaultModelPath(join(dir, "missing"))).toBeUndefined();
  });
});
