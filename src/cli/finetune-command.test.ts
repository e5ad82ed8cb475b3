import {mkdir, mkdtemp, rm, writeFile} from "node:fs/promises";
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
    expect(await run("--data_path=records.jsonl", "--base_model=m.gguf", "--reward_pooling=mean")).toMatchObject({
      code: 2,
      err: "h2ogpt finetune: --reward_pooling applies to --reward only\n"
    });
    expect(await run("--data_path=records.jsonl", "--base_model=m.gguf", "--reward", "--reward_pooling=max")).toMatchObject({
      code: 2,
      err: "h2ogpt finetune: --reward_pooling: expected last or mean, got 'max'\n"
    });
  });

  it("says a base model that is not a GGUF is not one, as generate does (not that it is a bad tokenizer.json)", async () => {
    await writeFile(join(dir, "notes.txt"), "hello, not a model\n");
    await writeFile(join(dir, "tokenizer.json"), '{"a": 1}\n');
    for (const name of ["notes.txt", "tokenizer.json"]) {
      const {code, err} = await run("--data_path=records.jsonl", `--base_model=${name}`);
      expect(code).toBe(2);
      expect(err.startsWith(`h2ogpt finetune: ${join(dir, name)}: not a valid GGUF file: bad magic`), err).toBe(true);
    }
  });

  it.each([
    ["--num_epochs=0", "--num_epochs: expected a positive number, got 0"],
    ["--learning_rate=-1", "--learning_rate: expected a positive number, got -1"],
    ["--lora_r=0", "--lora_r: expected a positive integer, got 0"],
    ["--lora_target_modules=q_proj,qkv", "--lora_target_modules: unknown module 'qkv' (use q_proj"],
    ["--prompt_type=no_such_type", "unknown prompt_type"],
    ["--lora_weights=no-such-peft", "no-such-peft/adapter_config.json: file not found"],
    ["--lora_weights=no-such-peft --full", "/no-such-peft: a PEFT adapter seeds LoRA training; it does not apply to --full"]
  ])("checks %s before reading any data or model (neither exists here)", async (flags, message) => {
    const {code, err} = await run("--data_path=no-such-records.jsonl", "--base_model=no-such-model.gguf", ...flags.split(" "));
    expect(code).toBe(2);
    expect(err.startsWith("h2ogpt finetune: ") && err.includes(message), err).toBe(true);
  });

  describe("--resume_from_checkpoint", () => {
    const checkpoint = () => join(dir, "run", "checkpoint-4");
    beforeAll(async () => {
      await mkdir(checkpoint(), {recursive: true});
      const state = {
        version: 1,
        step: 4,
        totalSteps: 8,
        tokensSeen: 100,
        mode: "lora",
        baseModel: join(dir, "gone.gguf"),
        config: {},
        settings: {},
        dataSettings: {data_path: join(dir, "records.jsonl"), prompt_type: "human_bot", cutoff_len: 256}
      };
      await writeFile(join(checkpoint(), "trainer_state.json"), JSON.stringify(state));
    });

    it("takes the data settings from the checkpoint and names each one given differently, old and new", async () => {
      const {code, err} = await run("--resume_from_checkpoint=run/checkpoint-4", "--data_path=records.jsonl", "--cutoff_len=256", "--prompt_type=plain", "--train_on_inputs=False");
      expect(code).toBe(2);
      expect(err).toBe(
        `h2ogpt finetune: --resume_from_checkpoint ${checkpoint()}: --prompt_type: "human_bot" in the checkpoint, "plain" now; ` +
          "--train_on_inputs: not given (the default) in the checkpoint, false now (leave the flag out to use the checkpoint's)\n"
      );
    });

    it("needs no --base_model or --data_path: they come from the checkpoint (True: the newest in --output_dir)", async () => {
      for (const resume of ["--resume_from_checkpoint=run/checkpoint-4", "--resume_from_checkpoint=True"]) {
        const {code, err} = await run(resume, "--output_dir=run");
        expect(code).toBe(2);
        // The checkpoint's base model is what is missing now: the run got as far as tokenizing with it.
        expect(err).toBe(`h2ogpt finetune: ${join(dir, "gone.gguf")}: not found\n`);
      }
      expect((await run("--resume_from_checkpoint=True")).err).toBe(
        "h2ogpt finetune: --resume_from_checkpoint=True resumes the newest checkpoint in --output_dir: give --output_dir\n"
      );
    });
  });
});
