import {mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {createEngine} from "../../src/engine/index.js";
import {renderChatPrompt} from "../../src/prompts/index.js";
import {neoxTokenizerPath} from "../support/shared.js";
import {runMain} from "../support/run-main.js";
import {llamaConfigJson, randomLlamaWeights, writeHfFolder, type TinyLlamaConfig} from "./random-hf-folder.js";

/**
 * The Hugging Face round trip end to end: a random tiny HF llama folder -> `h2ogpt finetune` LoRA -> a PEFT folder
 * and a LoRA GGUF, which generate applies alike; a run seeded from the PEFT folder starts at the trained loss.
 */

const CONFIG: TinyLlamaConfig = {vocabSize: 50304, hidden: 16, layers: 2, heads: 2, kvHeads: 2, ff: 32};

let dir: string;
let folder: string;

interface Metric {
  readonly step: number;
  readonly loss?: number;
  readonly eval_loss?: number;
}
const metrics = async (run: string): Promise<Metric[]> =>
  (await readFile(join(dir, run, "metrics.jsonl"), "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Metric);

// Every step is all 8 rows and dropout is off, so a step's loss is the loss of the adapters it starts from.
const TRAIN = ["--data_path=train.jsonl", "--prompt_type=plain", "--cutoff_len=16", "--micro_batch_size=4", "--batch_size=8", "--warmup_steps=0"];

describe.skipIf(neoxTokenizerPath == null)("Hugging Face folder -> finetune LoRA -> PEFT adapter + LoRA GGUF -> generate", () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "h2ogpt-hf-round-trip-"));
    folder = await writeHfFolder({
      dir: join(dir, "tiny-llama"),
      config: llamaConfigJson(CONFIG),
      weights: randomLlamaWeights(CONFIG, 5),
      tokenizerJson: neoxTokenizerPath!,
      tokenizerConfig: {eos_token: "<|endoftext|>", bos_token: "<|endoftext|>", add_bos_token: false}
    });
    const record = (i: number): string => JSON.stringify({instruction: `Colour ${i}?`, output: `Blue ${i}.`});
    await writeFile(join(dir, "train.jsonl"), Array.from({length: 8}, (_, i) => record(i)).join("\n") + "\n");
  });
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true});
  });

  it("applies the PEFT folder as the LoRA GGUF, and a run seeded from it continues from the trained loss", async () => {
    const first = await runMain(
      ["finetune", `--base_model=${folder}`, ...TRAIN, "--output_dir=run1", "--valid_path=train.jsonl", "--num_epochs=3", "--lora_r=4", "--lora_dropout=0", "--learning_rate=0.05"],
      {cwd: dir}
    );
    expect(first.code, first.err).toBe(0);
    const trained = await metrics("run1");
    expect(trained.filter((m) => m.loss != null).map((m) => m.step)).toEqual([1, 2, 3]);
    const evalLoss = trained.at(-1)!.eval_loss!;
    const baseLoss = trained[0]!.loss!;
    expect(baseLoss - evalLoss).toBeGreaterThan(0.05);
    const config = JSON.parse(await readFile(join(dir, "run1", "adapter_config.json"), "utf8"));
    expect(config).toMatchObject({r: 4, lora_alpha: 16, lora_dropout: 0, target_modules: ["q_proj", "v_proj"], base_model_name_or_path: folder});

    const modelsDir = join(dir, "models");
    const ask = async (...lora: string[]): Promise<string> => {
      const run = await runMain(
        ["generate", `--base_model=${folder}`, ...lora.map((path) => `--lora_weights=${path}`), "--instruction=Colour 3?", "--prompt_type=plain", "--max_new_tokens=6", `--models_dir=${modelsDir}`, "--json"],
        {cwd: dir}
      );
      expect(run.code, run.err).toBe(0);
      return JSON.parse(run.out).response as string;
    };
    const fromPeft = await ask("run1");
    expect(fromPeft.length).toBeGreaterThan(0);
    expect(await ask("run1/adapter.gguf")).toBe(fromPeft);
    // The adapters change the answer, so the two agreeing is the PEFT folder's rows arriving where they belong.
    expect(await ask()).not.toBe(fromPeft);

    // Library callers get the same conversion of the folder as the CLI.
    const engine = await createEngine({baseModel: folder, loraAdapters: [{path: join(dir, "run1", "adapter.gguf")}], download: {modelsDir}});
    try {
      const {prompt} = renderChatPrompt({promptType: "plain", history: [["Colour 3?", null]]});
      expect((await engine.generate({prompt, maxNewTokens: 6, temperature: 0}).result).text.trim()).toBe(fromPeft.trim());
    } finally {
      await engine.close();
    }

    const second = await runMain(["finetune", `--base_model=${folder}`, ...TRAIN, "--output_dir=run2", "--lora_weights=run1", "--num_epochs=1"], {cwd: dir});
    expect(second.code, second.err).toBe(0);
    expect(second.err).toContain(`training LoRA r=4 on 4 weights from ${join(dir, "run1")}: `);
    const [resumed] = await metrics("run2");
    expect(Math.abs(resumed!.loss! - evalLoss)).toBeLessThan(1e-4);
    const args = JSON.parse(await readFile(join(dir, "run2", "training_args.json"), "utf8"));
    expect(args).toMatchObject({lora: {rank: 4, alpha: 16, dropout: 0}, lora_weights: join(dir, "run1")});

    const conflict = await runMain(["finetune", `--base_model=${folder}`, ...TRAIN, "--output_dir=run3", "--lora_weights=run1", "--lora_r=8"], {cwd: dir});
    expect(conflict.code).toBe(2);
    expect(conflict.err).toBe(`h2ogpt finetune: --lora_weights=${join(dir, "run1")}: --lora_r=8 but the adapter has 4 (leave the flag out to use the adapter's)\n`);
  });
});
