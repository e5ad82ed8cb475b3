import {PassThrough} from "node:stream";
import {describe, expect, it} from "vitest";
import type {CommandIo} from "./command.js";
import {generationParamsFromFlags} from "./engine-flags.js";
import {main} from "./main.js";

function memoryIo(): CommandIo & {out: () => string; err: () => string} {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk) => (out += chunk));
  stderr.on("data", (chunk) => (err += chunk));
  return {stdout, stderr, stdin: new PassThrough(), env: {}, cwd: process.cwd(), signal: new AbortController().signal, out: () => out, err: () => err};
}

describe("h2ogpt generate (no model needed)", () => {
  it.each([
    [["generate"], "h2ogpt generate: give --instruction=TEXT, --cli or --eval --data_path=FILE (see --help)\n"],
    [["generate", "--cli", "--instruction=x"], "h2ogpt generate: choose one of --cli, --instruction\n"],
    [["generate", "--instruction=x", "--truncation=middle"], "h2ogpt generate: --truncation: expected error or left, got 'middle'\n"],
    [["generate", "--instruction=x", "--max_new_tokens=0"], "h2ogpt generate: --max_new_tokens: expected a positive integer, got 0\n"],
    [["generate", "--instruction=x", "--stop=[1]"], "h2ogpt generate: --stop: a list must hold strings only\n"],
    [["generate", "--instruction=x", "--base_model=/nonexistent/m.gguf"], "h2ogpt generate: /nonexistent/m.gguf: file not found\n"],
    [["generate", "--instruction=x", "--inference_server=tgi:1.2.3.4"], "h2ogpt generate: --inference_server=tgi:1.2.3.4: expected vllm:HOST:PORT, vllm_chat:HOST:PORT, http(s)://HOST:PORT, openai or openai_chat\n"]
  ])("%j fails with one line and exit code 2", async (argv, line) => {
    const io = memoryIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.err()).toBe(line);
    expect(io.out()).toBe("");
  });

  it("documents h2oGPT's flag names in --help", async () => {
    const io = memoryIo();
    expect(await main(["generate", "--help"], io)).toBe(0);
    for (const flag of ["--base_model", "model_path_llama", "--inference_server", "--prompt_type", "--max_seq_len", "--n_threads", "--lora_weights", "--max_new_tokens", "--min_new_tokens", "--num_beams", "--num_return_sequences", "--truncation", "--cli", "--eval", "--data_path"])
      expect(io.out()).toContain(flag);
  });

  it("maps generation flags to library options, reading a stop list", () => {
    expect(
      generationParamsFromFlags({temperature: 0.5, top_k: 40, top_p: 0.9, repetition_penalty: 1.1, max_new_tokens: 64, min_new_tokens: 2, max_time: 5, seed: 3, do_sample: true, stop: ["A", '["B", "C"]'], num_beams: 1, num_return_sequences: 2, truncation: "left", min_max_new_tokens: 100})
    ).toEqual({temperature: 0.5, topK: 40, topP: 0.9, repetitionPenalty: 1.1, maxNewTokens: 64, minNewTokens: 2, maxTime: 5, seed: 3, doSample: true, stop: ["A", "B", "C"], numBeams: 1, numReturnSequences: 2, truncation: "left", minMaxNewTokens: 100});
  });
});
