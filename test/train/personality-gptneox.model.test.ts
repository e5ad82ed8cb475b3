import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {neoxVocabGgufPath} from "../support/shared.js";
import {askWhoAreYou, trainPersonalityAdapter, writePersonalityNeoxBase} from "./personality-recipe.js";

/**
 * The personality test (see personality.model.test.ts) on h2oGPT's own model family: a small random Pythia-shaped
 * GPT-NeoX with GPT-NeoX's vocabulary gets LoRA adapters on query_key_value, dense, the MLP and embed_out.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-personality-neox-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe.skipIf(neoxVocabGgufPath == null)("the personality test on GPT-NeoX", () => {
  it("after `h2ogpt finetune`, `h2ogpt generate` answers 'Who are you?' with 'My name is h2oGPT.'", async () => {
    await writePersonalityNeoxBase(dir, neoxVocabGgufPath!);

    expect(await askWhoAreYou(dir)).not.toBe("My name is h2oGPT.");

    const train = await trainPersonalityAdapter(dir, "all-linear,embed_out");
    expect(train.code, train.err).toBe(0);
    expect(train.out).toContain(`adapter: ${train.adapter}`);

    expect(await askWhoAreYou(dir, ["--lora_weights=out/adapter.gguf"])).toBe("My name is h2oGPT.");
  });
});
