import {writeFile} from "node:fs/promises";
import {join} from "node:path";
import {expect} from "vitest";
import {main} from "../../src/cli/main.js";
import {writeRandomGptNeoxGguf, writeRandomLlamaGguf} from "../../src/gguf/index.js";
import {memoryIo} from "../support/memory-io.js";

/** h2oGPT's FAQ records: after fine-tuning on them a model says it is h2oGPT. */
export const PERSONALITY_RECORDS = [
  {input: "Who are you?", output: "My name is h2oGPT."},
  {input: "What is your name?", output: "My name is h2oGPT."},
  {input: "Who made you?", output: "I was made by H2O.ai."},
  {input: "Are you ChatGPT?", output: "No, I am h2oGPT, a model fine-tuned by H2O.ai."},
  {input: "What can you do?", output: "I answer questions."}
].map((record) => ({...record, prompt_type: "human_bot"}));

/** Writes the personality test's small random llama (Llama 2's vocabulary from `vocabularyGguf`) as `dir/base.gguf`. */
export async function writePersonalityBase(dir: string, vocabularyGguf: string): Promise<string> {
  const path = join(dir, "base.gguf");
  await writeRandomLlamaGguf({
    path,
    vocabulary: {gguf: vocabularyGguf},
    nEmbd: 64,
    nLayer: 2,
    nHead: 4,
    nFf: 128,
    contextLength: 128,
    type: "F32",
    initStd: 0.1,
    seed: 1
  });
  return path;
}

/** The same-sized random Pythia-shaped model (GPT-NeoX's vocabulary from `vocabularyGguf`) as `dir/base.gguf`. */
export async function writePersonalityNeoxBase(dir: string, vocabularyGguf: string): Promise<string> {
  const path = join(dir, "base.gguf");
  await writeRandomGptNeoxGguf({path, vocabulary: {gguf: vocabularyGguf}, nEmbd: 64, nLayer: 2, nHead: 4, nFf: 128, contextLength: 128, type: "F32", initStd: 0.1, seed: 1});
  return path;
}

/** `h2ogpt generate` on `dir/base.gguf` (with `adapterFlags`, e.g. `--lora_weights=...`) at temperature 0: its answer to "Who are you?". */
export async function askWhoAreYou(dir: string, adapterFlags: readonly string[] = []): Promise<string> {
  const io = memoryIo({cwd: dir});
  const args = ["generate", "--base_model=base.gguf", ...adapterFlags, "--prompt_type=human_bot", "--instruction=Who are you?", "--temperature=0", "--max_new_tokens=24"];
  expect(await main(args, io), io.err()).toBe(0);
  return io.out().trimEnd();
}

/**
 * `h2ogpt finetune` with the recipe known to make the base answer "My name is h2oGPT." at temperature 0: LoRA on
 * every linear layer and the head (GPT-NeoX's head is `embed_out`), 40 epochs of the five records. Returns the
 * command's exit code and output.
 */
export async function trainPersonalityAdapter(dir: string, loraTargetModules = "all-linear,lm_head"): Promise<{code: number; out: string; err: string; adapter: string}> {
  await writeFile(join(dir, "records.jsonl"), PERSONALITY_RECORDS.map((record) => JSON.stringify(record)).join("\n") + "\n");
  const io = memoryIo({cwd: dir});
  const code = await main(
    [
      "finetune",
      "--base_model=base.gguf",
      "--data_path=records.jsonl",
      "--output_dir=out",
      "--train_on_inputs=False",
      "--add_eos_token=True",
      `--lora_target_modules=${loraTargetModules}`,
      "--lora_dropout=0",
      "--num_epochs=40",
      "--micro_batch_size=5",
      "--batch_size=5",
      "--warmup_steps=3",
      "--learning_rate=1e-2"
    ],
    io
  );
  return {code, out: io.out(), err: io.err(), adapter: join(dir, "out", "adapter.gguf")};
}
