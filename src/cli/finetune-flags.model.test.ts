import {mkdtemp, readdir, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {memoryIo} from "../../test/support/memory-io.js";
import {tinyLlamaPath} from "../../test/support/shared.js";
import {readGguf, readGgufTensorBytes, writeGguf} from "../gguf/index.js";
import {main} from "./main.js";

/**
 * How `h2ogpt finetune`'s flags become training options, end to end through `main`, on the tiny llama fixture
 * (random weights; a few LoRA steps), and the trainer's typed errors as the CLI reports them.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-finetune-flags-"));
  const record = (i: number): string => JSON.stringify({instruction: `Say the number ${i}.`, output: `The number is ${i}.`});
  await writeFile(join(dir, "train.jsonl"), Array.from({length: 24}, (_, i) => record(i)).join("\n") + "\n");
  await writeFile(join(dir, "valid.jsonl"), Array.from({length: 4}, (_, i) => record(100 + i)).join("\n") + "\n");
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

async function finetune(args: string[]): Promise<{code: number; err: string}> {
  const io = memoryIo({cwd: dir});
  const code = await main(["finetune", `--base_model=${tinyLlamaPath}`, "--prompt_type=plain", "--cutoff_len=32", ...args], io);
  return {code, err: io.err()};
}

const small = ["--data_path=train.jsonl", "--num_epochs=1", "--micro_batch_size=2", "--batch_size=2", "--lora_r=2", "--warmup_steps=0"];

describe.skipIf(tinyLlamaPath == null)("h2ogpt finetune's flags", () => {
  it("--valid_path, --eval_steps, --save_steps, --save_total_limit, --weight_decay and --max_grad_norm take effect", async () => {
    const {code, err} = await finetune([
      ...small,
      "--output_dir=run",
      "--valid_path=valid.jsonl",
      "--eval_steps=4",
      "--save_steps=3",
      "--save_total_limit=2",
      "--weight_decay=0.5",
      "--max_grad_norm=0.25"
    ]);
    expect(code, err).toBe(0);
    // --valid_path: the validation records are prepared from their own file and evaluated every --eval_steps.
    expect(err).toContain("validation (--valid_path)");
    const metrics = (await readFile(join(dir, "run", "metrics.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as {step: number; loss?: number; eval_loss?: number});
    const steps = metrics.filter((m) => m.loss != null).map((m) => m.step);
    expect(steps).toEqual(Array.from({length: 12}, (_, i) => i + 1));
    expect(metrics.filter((m) => m.eval_loss != null).map((m) => m.step)).toEqual([4, 8, 12]);
    // --save_steps=3 saves at 3, 6, 9 and 12; --save_total_limit=2 keeps the last two.
    expect((await readdir(join(dir, "run"))).filter((name) => name.startsWith("checkpoint-")).sort()).toEqual(["checkpoint-12", "checkpoint-9"]);
    const args = JSON.parse(await readFile(join(dir, "run", "training_args.json"), "utf8"));
    expect(args).toMatchObject({weight_decay: 0.5, max_grad_norm: 0.25});
  });

  it("reports an unsupported base model as a usage error naming it (exit 2)", async () => {
    const source = await readGguf(tinyLlamaPath!);
    const tensors = await Promise.all(source.tensors.map(async (t) => ({...t, data: await readGgufTensorBytes(source, t.name)})));
    const falcon = join(dir, "falcon.gguf");
    await writeGguf(falcon, {metadata: {...source.metadata, "general.architecture": {type: "string", value: "falcon"}}, tensors});
    const io = memoryIo({cwd: dir});
    const code = await main(["finetune", `--base_model=${falcon}`, "--prompt_type=plain", ...small, "--output_dir=falcon-out"], io);
    expect(code).toBe(2);
    expect(io.err()).toMatch(/^h2ogpt finetune: .*falcon\.gguf: architecture 'falcon' cannot be trained here; only 'llama' and 'gptneox' models can\n$/);
  });

  it("reports a micro-batch that does not fit WebAssembly's 4 GiB as out of memory (exit 1)", async () => {
    // 64 rows of 2048 tokens: the logits alone (64 x 2048 x 32,000 floats) are 16 GiB.
    const words = Array.from({length: 1500}, (_, i) => `word${i}`).join(" ");
    await writeFile(join(dir, "long.jsonl"), Array.from({length: 64}, () => JSON.stringify({instruction: words, output: words})).join("\n") + "\n");
    const io = memoryIo({cwd: dir});
    const code = await main(
      ["finetune", `--base_model=${tinyLlamaPath}`, "--prompt_type=plain", "--data_path=long.jsonl", "--output_dir=oom", "--cutoff_len=2048", "--micro_batch_size=64", "--batch_size=64", "--num_epochs=1", "--lora_r=2", "--train_backend=jax"],
      io
    );
    expect(code).toBe(1);
    expect(io.err()).toMatch(/h2ogpt finetune: out of memory: a micro-batch of 64 rows of up to 2048 tokens needs more than the 4 GiB of WebAssembly memory; [^\n]+\n$/);
  });

  it("reports divergence with the step (exit 1)", async () => {
    const {code, err} = await finetune([...small, "--output_dir=diverged", "--learning_rate=1e38", "--max_grad_norm=0"]);
    expect(code).toBe(1);
    expect(err).toMatch(/h2ogpt finetune: training diverged at step \d+: loss is (NaN|Infinity|-Infinity); lower --learning_rate or check the data\n$/);
  });
});
