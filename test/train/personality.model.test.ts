import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {memoryIo} from "../support/memory-io.js";
import {main} from "../../src/cli/main.js";
import {writeRandomLlamaGguf} from "../../src/gguf/index.js";
import {tinyLlamaPath} from "../support/shared.js";

/**
 * h2oGPT's FAQ story as a test: fine-tuning on a handful of its own records makes a model say it is h2oGPT.
 * A small random llama (Llama 2's vocabulary from the shared fixture) gets LoRA adapters from `h2ogpt finetune`,
 * and `h2ogpt generate` with the adapter loaded in llama.cpp answers at temperature 0.
 */

const RECORDS = [
  {input: "Who are you?", output: "My name is h2oGPT."},
  {input: "What is your name?", output: "My name is h2oGPT."},
  {input: "Who made you?", output: "I was made by H2O.ai."},
  {input: "Are you ChatGPT?", output: "No, I am h2oGPT, a model fine-tuned by H2O.ai."},
  {input: "What can you do?", output: "I answer questions."}
].map((record) => ({...record, prompt_type: "human_bot"}));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-personality-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe.skipIf(tinyLlamaPath == null)("the personality test", () => {
  it("after `h2ogpt finetune`, `h2ogpt generate` answers 'Who are you?' with 'My name is h2oGPT.'", async () => {
    await writeRandomLlamaGguf({
      path: join(dir, "base.gguf"),
      vocabulary: {gguf: tinyLlamaPath!},
      nEmbd: 64,
      nLayer: 2,
      nHead: 4,
      nFf: 128,
      contextLength: 128,
      type: "F32",
      initStd: 0.1,
      seed: 1
    });
    await writeFile(join(dir, "records.jsonl"), RECORDS.map((r) => JSON.stringify(r)).join("\n") + "\n");

    const ask = async (adapter: string[]) => {
      const io = memoryIo({cwd: dir});
      const args = ["generate", "--base_model=base.gguf", ...adapter, "--prompt_type=human_bot", "--instruction=Who are you?", "--temperature=0", "--max_new_tokens=24"];
      expect(await main(args, io), io.err()).toBe(0);
      return io.out().trimEnd();
    };
    expect(await ask([])).not.toBe("My name is h2oGPT.");

    const train = memoryIo({cwd: dir});
    const code = await main(
      [
        "finetune",
        "--base_model=base.gguf",
        "--data_path=records.jsonl",
        "--output_dir=out",
        "--train_on_inputs=False",
        "--add_eos_token=True",
        "--lora_target_modules=all-linear,lm_head",
        "--lora_dropout=0",
        "--num_epochs=40",
        "--micro_batch_size=5",
        "--batch_size=5",
        "--warmup_steps=3",
        "--learning_rate=1e-2"
      ],
      train
    );
    expect(code, train.err()).toBe(0);
    expect(train.out()).toContain(`adapter: ${join(dir, "out", "adapter.gguf")}`);

    expect(await ask(["--lora_weights=out/adapter.gguf"])).toBe("My name is h2oGPT.");
  });
});
