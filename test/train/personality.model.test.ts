import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {memoryIo} from "../support/memory-io.js";
import {main} from "../../src/cli/main.js";
import {tinyLlamaPath} from "../support/shared.js";
import {trainPersonalityAdapter, writePersonalityBase} from "./personality-recipe.js";

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

    const ask = async (adapter: string[]) => {
      const io = memoryIo({cwd: dir});
      const args = ["generate", "--base_model=base.gguf", ...adapter, "--prompt_type=human_bot", "--instruction=Who are you?", "--temperature=0", "--max_new_tokens=24"];
      expect(await main(args, io), io.err()).toBe(0);
      return io.out().trimEnd();
    };
    expect(await ask([])).not.toBe("My name is h2oGPT.");

    const train = await trainPersonalityAdapter(dir);
    expect(train.code, train.err).toBe(0);
    expect(train.out).toContain(`adapter: ${train.adapter}`);

    expect(await ask(["--lora_weights=out/adapter.gguf"])).toBe("My name is h2oGPT.");
  });
});
