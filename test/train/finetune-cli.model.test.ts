import {mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {main} from "../../src/cli/main.js";
import {PROMPT_TYPE_KEY, readGguf, writeRandomLlamaGguf} from "../../src/gguf/index.js";
import {memoryIo} from "../support/memory-io.js";

/** `h2ogpt finetune` as the README and its --help show it, on a tiny random model and 30 records. */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-finetune-cli-"));
  await writeRandomLlamaGguf({path: join(dir, "base.gguf"), nEmbd: 32, nLayer: 1, nHead: 2, nFf: 64, contextLength: 128, seed: 2});
  const records = Array.from({length: 30}, (_, i) => JSON.stringify({instruction: `What is ${i}?`, output: `It is ${i}.`}));
  await writeFile(join(dir, "records.jsonl"), records.join("\n") + "\n");
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

async function h2ogpt(...args: string[]): Promise<{code: number; out: string; err: string}> {
  const io = memoryIo({cwd: dir, stdin: ""});
  const code = await main(args, io);
  return {code, out: io.out(), err: io.err()};
}

async function losses(path: string): Promise<{step: number; loss: number; learning_rate: number}[]> {
  const lines = (await readFile(path, "utf8")).trim().split("\n").map((line) => JSON.parse(line));
  return lines.filter((line) => line.loss != null).map(({step, loss, learning_rate}) => ({step, loss, learning_rate}));
}

/** A resumed run repeats the straight run's steps: same schedule, same losses (float32 rounding aside). */
function expectSameCurve(resumed: Awaited<ReturnType<typeof losses>>, straight: Awaited<ReturnType<typeof losses>>): void {
  expect(resumed.map((m) => [m.step, m.learning_rate])).toEqual(straight.map((m) => [m.step, m.learning_rate]));
  resumed.forEach((m, i) => expect(Math.abs(m.loss - straight[i]!.loss)).toBeLessThan(1e-5));
}

/** The README's example (with --merge), run once for the tests that need it, whichever of them runs first or alone. */
let readme: ReturnType<typeof h2ogpt> | undefined;
const readmeRun = (): ReturnType<typeof h2ogpt> =>
  (readme ??= h2ogpt("finetune", "--base_model=base.gguf", "--data_path=records.jsonl", "--prompt_type=human_bot", "--output_dir=readme", "--merge"));

describe("h2ogpt finetune from the command line", () => {
  it("the README example trains: the real counts, warmup scaled to the run, and a learning rate that is not ~0", async () => {
    const run = await readmeRun();
    expect(run.code, run.err).toBe(0);
    expect(run.err).toContain("warmup: 0 steps (the default 100 is for runs of 1,000 steps or more; this run has 1");
    expect(run.err).toContain("30 rows, 1 epoch: 1 optimizer step of 8 micro-batches of up to 4 rows");
    expect(run.err).toContain("learning rate 0.0003 (cosine) after 0 warmup steps");
    const [step] = await losses(join(dir, "readme", "metrics.jsonl"));
    expect(step!.learning_rate).toBe(3e-4);
  });

  it("stores the prompt type in the GGUFs it writes, and generate uses it without --prompt_type and reports it", async () => {
    expect((await readmeRun()).code).toBe(0);
    for (const file of ["adapter.gguf", "model.gguf"])
      expect((await readGguf(join(dir, "readme", file))).metadata[PROMPT_TYPE_KEY]?.value, file).toBe("human_bot");
    for (const model of [["--base_model=readme/model.gguf"], ["--base_model=base.gguf", "--lora_weights=readme/adapter.gguf"]]) {
      const run = await h2ogpt("generate", ...model, "--instruction=What is 3?", "--max_new_tokens=2", "--json");
      expect(run.code, run.err).toBe(0);
      expect(JSON.parse(run.out)).toMatchObject({prompt_type: "human_bot", completion_tokens: 2});
    }
    const plain = await h2ogpt("generate", "--base_model=base.gguf", "--instruction=What is 3?", "--max_new_tokens=2", "--json");
    expect(JSON.parse(plain.out).prompt_type).toBe("plain");
  });

  it("resumes as --help shows, from a checkpoint folder or True, with the run's own settings, on the same loss curve", async () => {
    const flags = ["--prompt_type=human_bot", "--micro_batch_size=4", "--batch_size=8", "--num_epochs=2", "--learning_rate=1e-3", "--seed=7", "--save_steps=4"];
    const first = await h2ogpt("finetune", "--base_model=base.gguf", "--data_path=records.jsonl", "--output_dir=out", ...flags);
    expect(first.code, first.err).toBe(0);
    const straight = await losses(join(dir, "out", "metrics.jsonl"));
    expect(straight.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    // As if the run had stopped after step 4: the help's example names the checkpoint and nothing else of the run.
    await rm(join(dir, "out", "checkpoint-8"), {recursive: true});
    const byPath = await h2ogpt("finetune", "--resume_from_checkpoint=out/checkpoint-4");
    expect(byPath.code, byPath.err).toBe(0);
    expect(byPath.err).toContain("prompt types: human_bot 30");
    expectSameCurve(await losses(join(dir, "out", "metrics.jsonl")), straight);

    // docs/finetune.md's example repeats the base model and the data, and finds the newest checkpoint itself.
    await rm(join(dir, "out", "checkpoint-8"), {recursive: true});
    const byTrue = await h2ogpt("finetune", "--base_model=base.gguf", "--data_path=records.jsonl", "--output_dir=out", "--resume_from_checkpoint=True");
    expect(byTrue.code, byTrue.err).toBe(0);
    expectSameCurve(await losses(join(dir, "out", "metrics.jsonl")), straight);
    expect((await readGguf(join(dir, "out", "adapter.gguf"))).metadata[PROMPT_TYPE_KEY]?.value).toBe("human_bot");

    const changed = await h2ogpt("finetune", "--resume_from_checkpoint=out/checkpoint-4", "--learning_rate=0.01", "--lora_r=4");
    expect(changed.code).toBe(2);
    expect(changed.err.trim().split("\n").at(-1)).toBe(
      `h2ogpt finetune: --resume_from_checkpoint ${join(dir, "out", "checkpoint-4")}: --lora_r: 8 in the checkpoint, 4 now; --learning_rate: 0.001 in the checkpoint, 0.01 now`
    );
  });
});
