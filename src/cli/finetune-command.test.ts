import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {memoryIo} from "../../test/support/memory-io.js";
import {main} from "./main.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-finetune-cli-"));
  await writeFile(join(dir, "rows.jsonl"), '{"input_ids": [1, 2, 3], "labels": [-100, 2, 3]}\n');
  await writeFile(join(dir, "records.jsonl"), '{"input": "Who are you?", "output": "h2oGPT"}\n');
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

async function run(...args: string[]): Promise<{code: number; err: string; out: string}> {
  const io = memoryIo({cwd: dir});
  const code = await main(["finetune", ...args], io);
  return {code, err: io.err(), out: io.out()};
}

describe("h2ogpt finetune", () => {
  it("documents h2oGPT's flags and defaults in --help", async () => {
    const {code, out} = await run("--help");
    expect(code).toBe(0);
    for (const flag of ["--base_model", "--data_path", "--lora_r", "--lora_alpha", "--lora_dropout", "--lora_target_modules", "--micro_batch_size", "--batch_size", "--num_epochs", "--learning_rate", "--warmup_steps", "--resume_from_checkpoint", "--full", "--merge"])
      expect(out).toContain(flag);
    expect(out).toContain("[default: 128]");
    expect(out).toContain("[default: 0.0003]");
  });

  it("fails with one line and exit code 2 on bad input", async () => {
    expect(await run("--base_model=m.gguf")).toMatchObject({code: 2, err: "h2ogpt finetune: --data_path is required (records, or a folder written by h2ogpt prepare)\n"});
    expect(await run("--data_path=rows.jsonl")).toMatchObject({code: 2, err: expect.stringContaining("--base_model is required")});
    expect(await run("--data_path=rows.jsonl", "--base_model=m.gguf", "--output_type=q4")).toMatchObject({
      code: 2,
      err: "h2ogpt finetune: --output_type: expected f32 or f16, got 'q4'\n"
    });
    expect(await run("--data_path=rows.jsonl", "--base_model=m.gguf", "--cutoff_len=64")).toMatchObject({
      code: 2,
      err: "h2ogpt finetune: --data_path rows.jsonl is already tokenized; --cutoff_len does not apply to it\n"
    });
    const missing = await run("--data_path=records.jsonl", "--base_model=missing.gguf");
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`h2ogpt finetune: ${join(dir, "missing.gguf")}: not found\n`);
    const badList = await run("--data_path=rows.jsonl", "--base_model=missing.gguf", "--lora_target_modules=['q_proj', 3]");
    expect(badList.code).toBe(2);
  });
});
