import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {tinyLlamaPath} from "../support/shared.js";
import {askWhoAreYou, trainPersonalityAdapter, writePersonalityBase} from "./personality-recipe.js";

/**
 * h2oGPT's FAQ story as a test: fine-tuning on a handful of its own records makes a model say it is h2oGPT.
 * A small random llama (Llama 2's vocabulary from the shared fixture) gets LoRA adapters from `h2ogpt finetune`,
 * and `h2ogpt generate` with the adapter loaded in llama.cpp answers at temperature 0.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-personality-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe.skipIf(tinyLlamaPath == null)("the personality test", () => {
  it("after `h2ogpt finetune`, `h2ogpt generate` answers 'Who are you?' with 'My name is h2oGPT.'", async () => {
    await writePersonalityBase(dir, tinyLlamaPath!);

    expect(await askWhoAreYou(dir)).not.toBe("My name is h2oGPT.");

    const train = await trainPersonalityAdapter(dir);
    expect(train.code, train.err).toBe(0);
    expect(train.out).toContain(`adapter: ${train.adapter}`);

    expect(await askWhoAreYou(dir, ["--lora_weights=out/adapter.gguf"])).toBe("My name is h2oGPT.");
  });
});
