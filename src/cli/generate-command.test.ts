import {readdir, readFile} from "node:fs/promises";
import {join} from "node:path";
import type {PassThrough} from "node:stream";
import {gzipSync} from "node:zlib";
import {parquetWriteBuffer} from "hyparquet-writer";
import {describe, expect, it} from "vitest";
import {fixture, jsonl, tempDir} from "../../test/data/helpers.js";
import {FakeEngine} from "../../test/generate/fake-engine.js";
import {memoryIo} from "../../test/support/memory-io.js";
import {H2oGptError, NotSupportedError} from "../errors/index.js";
import {generationParamsFromFlags} from "./engine-flags.js";
import {EvalStoppedError, evaluateDataPath} from "./evaluate-data-path.js";
import {chat} from "./generate-command.js";
import {main} from "./main.js";

const dir = await tempDir("h2ogpt-eval-");
await fixture(dir, "one.jsonl", jsonl([{instruction: "Who are you?"}]));

describe("h2ogpt generate (no model needed)", () => {
  it.each([
    [["generate"], "h2ogpt generate: give --instruction=TEXT, --cli or --eval --data_path=FILE (see --help)\n"],
    [["generate", "--cli", "--instruction=x"], "h2ogpt generate: choose one of --cli, --instruction\n"],
    [["generate", "--instruction=x", "--truncation=middle"], "h2ogpt generate: --truncation: expected error or left, got 'middle'\n"],
    [["generate", "--instruction=x", "--max_new_tokens=0"], "h2ogpt generate: --max_new_tokens: expected a positive integer, got 0\n"],
    [["generate", "--instruction=x", "--stop=[1]"], "h2ogpt generate: --stop: a list must hold strings only\n"],
    [["generate", "--instruction=x", "--base_model=/nonexistent/m.gguf"], "h2ogpt generate: /nonexistent/m.gguf: file not found\n"],
    [["generate", "--instruction=x", "--inference_server=tgi:1.2.3.4"], "h2ogpt generate: --inference_server=tgi:1.2.3.4: expected vllm:HOST:PORT, vllm_chat:HOST:PORT, http(s)://HOST:PORT, openai or openai_chat\n"],
    [["generate", "--instruction=x", "--inference_server=vllm:127.0.0.1:9", "--flash_attention=true"], "h2ogpt generate: --flash_attention applies to llama.cpp models, not to --inference_server\n"]
  ])("%j fails with one line and exit code 2", async (argv, line) => {
    const io = memoryIo({cwd: dir});
    expect(await main(argv, io)).toBe(2);
    expect(io.err()).toBe(line);
    expect(io.out()).toBe("");
  });

  it("documents h2oGPT's flag names in --help", async () => {
    const io = memoryIo({cwd: dir});
    expect(await main(["generate", "--help"], io)).toBe(0);
    for (const flag of ["--base_model", "model_path_llama", "--inference_server", "--prompt_type", "--max_seq_len", "--n_threads", "--flash_attention", "--lora_weights", "--max_new_tokens", "--min_new_tokens", "--num_beams", "--num_return_sequences", "--truncation", "--cli", "--eval", "--data_path"])
      expect(io.out()).toContain(flag);
  });

  it("maps generation flags to library options, reading a stop list", () => {
    expect(
      generationParamsFromFlags({temperature: 0.5, top_k: 40, top_p: 0.9, repetition_penalty: 1.1, max_new_tokens: 64, min_new_tokens: 2, max_time: 5, seed: 3, do_sample: true, stop: ["A", '["B", "C"]'], num_beams: 1, num_return_sequences: 2, truncation: "left", min_max_new_tokens: 100})
    ).toEqual({temperature: 0.5, topK: 40, topP: 0.9, repetitionPenalty: 1.1, maxNewTokens: 64, minNewTokens: 2, maxTime: 5, seed: 3, doSample: true, stop: ["A", "B", "C"], numBeams: 1, numReturnSequences: 2, truncation: "left", minMaxNewTokens: 100});
  });
});

async function evalLines(name: string): Promise<Record<string, unknown>[]> {
  return (await readFile(join(dir, name), "utf8")).trim().split("\n").map((line) => JSON.parse(line));
}

describe("h2ogpt generate --eval (records read as prepare reads them, on a fake engine)", () => {
  const settings = {promptType: "human_bot", maxNewTokens: 8} as const;
  const script = [" Paris", ".", "\n<human>:"];
  const answer = {response: "Paris.", stop_reason: "stop"};

  it("answers CSV, Parquet and JSON Lines records (data_col_dict, a conversation) and writes an error line per bad record", async () => {
    await fixture(dir, "qa.csv", 'question,answer\nWho are you?,"A bot, I think."\n"Translate\nGood morning",\n');
    const parquet = parquetWriteBuffer({columnData: [{name: "question", data: ["Capital of France?"], type: "STRING"}, {name: "answer", data: ["Paris"], type: "STRING"}]});
    await fixture(dir, "more.parquet", new Uint8Array(parquet));
    const chat = {messages: [{role: "user", content: "Hi"}, {role: "assistant", content: "Hello!"}, {role: "user", content: "Who are you?"}, {role: "assistant", content: "A bot."}], prompt_type: "plain"};
    await fixture(dir, "chat.jsonl", jsonl([chat]) + '{"question": "Who?"\n' + jsonl([{question: 5}, {question: "Why?", prompt_type: "nonsense"}]));
    const io = memoryIo({cwd: dir});
    const opened: FakeEngine[] = [];
    const code = await evaluateDataPath({
      dataPath: "qa.csv, more.parquet, chat.jsonl",
      dataColDict: "{'question': 'instruction', 'answer': 'output'}",
      evalFilename: "answers.jsonl",
      settings,
      openEngine: async () => opened[opened.push(new FakeEngine({script})) - 1]!,
      io
    });
    expect(code).toBe(0);
    const lines = await evalLines("answers.jsonl");
    expect(lines.map((line) => line.source)).toEqual([
      {file: "qa.csv", line: 2},
      {file: "qa.csv", line: 3},
      {file: "more.parquet", line: 1},
      {file: "chat.jsonl", line: 1},
      {file: "chat.jsonl", line: 2},
      {file: "chat.jsonl", line: 3},
      {file: "chat.jsonl", line: 4}
    ]);
    expect(Object.keys(lines[0]!)[0]).toBe("source");
    expect(lines[0]).toMatchObject({instruction: "Who are you?", input: "", output: "A bot, I think.", prompt_type: "human_bot", prompt: "<human>: Who are you?\n<bot>:", ...answer});
    expect(lines[1]).toMatchObject({instruction: "Translate\nGood morning", prompt: "<human>: Translate\nGood morning\n<bot>:", ...answer});
    expect(lines[1]).not.toHaveProperty("output");
    expect(lines[2]).toMatchObject({instruction: "Capital of France?", output: "Paris", ...answer});
    expect(lines[3]).toMatchObject({history: [["Hi", "Hello!"]], instruction: "Who are you?", output: "A bot.", prompt_type: "plain"});
    expect(lines[4]).toEqual({source: {file: "chat.jsonl", line: 2}, error: expect.stringMatching(/^malformed_json: /)});
    expect(lines[5]).toEqual({source: {file: "chat.jsonl", line: 3}, error: "wrong_field_type: field 'question' (read as instruction) is a number, expected a string"});
    expect(lines[6]).toMatchObject({source: {file: "chat.jsonl", line: 4}, instruction: "Why?", error: expect.stringContaining("nonsense")});
    expect(opened).toHaveLength(1);
    expect(opened[0]!.calls).toHaveLength(4);
    expect(io.err()).toContain("eval  7/7");
    expect(io.err()).toContain(`wrote 7 record(s) to ${join(dir, "answers.jsonl")}; 3 record(s) failed, see "error"`);
    expect((await readdir(dir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("writes DATA.eval.jsonl beside a gzipped file and warns about a renamed column no record has", async () => {
    await fixture(dir, "q.jsonl.gz", gzipSync(jsonl([{instruction: "Who are you?"}])));
    const io = memoryIo({cwd: dir});
    const code = await evaluateDataPath({dataPath: "q.jsonl.gz", dataColDict: "{'answer': 'output'}", settings, openEngine: async () => new FakeEngine({script}), io});
    expect(code).toBe(0);
    expect(await evalLines("q.eval.jsonl")).toEqual([expect.objectContaining({source: {file: "q.jsonl.gz", line: 1}, instruction: "Who are you?", ...answer})]);
    expect(io.err()).toContain("h2ogpt generate: --data_col_dict: no record has a column 'answer'\n");
  });

  it("keeps the answers finished before Ctrl-C, not the one it cut short, and exits 130", async () => {
    await fixture(dir, "three.jsonl", jsonl([{instruction: "one"}, {instruction: "two"}, {instruction: "three"}]));
    const controller = new AbortController();
    const io = memoryIo({cwd: dir, signal: controller.signal});
    const engine = new FakeEngine({
      script: (call) => {
        if (call === 1) controller.abort();
        return script;
      }
    });
    expect(await evaluateDataPath({dataPath: "three.jsonl", settings, openEngine: async () => engine, io})).toBe(130);
    expect(await evalLines("three.eval.jsonl")).toEqual([expect.objectContaining({instruction: "one", ...answer})]);
    expect(io.err()).toContain("wrote 1 record(s) to");
    expect(io.err()).toContain("(stopped after 1 of 3)");
  });

  it("keeps the answers finished before an engine failure, reports it in one line and exits non-zero", async () => {
    await fixture(dir, "fails.jsonl", jsonl([{instruction: "one"}, {instruction: "two"}, {instruction: "three"}]));
    const engine = new FakeEngine({
      script: (call) => {
        if (call === 1) throw new Error("llama.cpp: decode failed\nat the second record");
        return script;
      }
    });
    const error = await evaluateDataPath({dataPath: "fails.jsonl", settings, openEngine: async () => engine, io: memoryIo({cwd: dir})}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EvalStoppedError);
    expect(error).toMatchObject({done: 1, total: 3, exitCode: 1});
    expect((error as Error).message).toBe(`llama.cpp: decode failed (stopped after 1 of 3 record(s); wrote them to ${join(dir, "fails.eval.jsonl")})`);
    expect(await evalLines("fails.eval.jsonl")).toEqual([expect.objectContaining({source: {file: "fails.jsonl", line: 1}, instruction: "one", ...answer})]);
    expect((await readdir(dir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("leaves no file when the run fails before any record is written, with the failure's own message and code", async () => {
    const io = memoryIo({cwd: dir});
    const error = await evaluateDataPath({dataPath: "one.jsonl", settings: {...settings, numBeams: 2}, openEngine: async () => new FakeEngine({script}), io}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotSupportedError);
    expect((await readdir(dir)).filter((name) => name.startsWith("one.eval") || name.endsWith(".tmp"))).toEqual([]);
  });

  it("exits 1 without loading a model or writing a file when the input has no record, as prepare does", async () => {
    await fixture(dir, "empty.jsonl", "");
    const io = memoryIo({cwd: dir});
    let opened = false;
    const openEngine = async () => {
      opened = true;
      return new FakeEngine({script});
    };
    const error = await evaluateDataPath({dataPath: "empty.jsonl", settings, openEngine, io}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(H2oGptError);
    expect(error).toMatchObject({message: "no records found in --data_path", exitCode: 1});
    expect(opened).toBe(false);
    expect((await readdir(dir)).filter((name) => name.startsWith("empty.eval"))).toEqual([]);
  });

  it("answers a record's context before its prompt", async () => {
    await fixture(dir, "ctx.jsonl", jsonl([{context: "<human>: Hi\n<bot>: Hello!\n", instruction: "Who are you?"}]));
    const engine = new FakeEngine({script});
    expect(await evaluateDataPath({dataPath: "ctx.jsonl", settings, openEngine: async () => engine, io: memoryIo({cwd: dir})})).toBe(0);
    expect(await evalLines("ctx.eval.jsonl")).toEqual([
      expect.objectContaining({context: "<human>: Hi\n<bot>: Hello!\n", instruction: "Who are you?", prompt: "<human>: Hi\n<bot>: Hello!\n<human>: Who are you?\n<bot>:", ...answer})
    ]);
  });

  it.each([
    [["--eval"], "h2ogpt generate: --eval needs --data_path=FILE (a file, a comma-separated list or a folder, in prepare's formats)\n"],
    [["--eval", "--data_path=missing.jsonl"], "h2ogpt generate: missing.jsonl: no such file or folder\n"],
    [["--eval", "--data_path=one.jsonl", "--eval_filename=one.jsonl"], `h2ogpt generate: --eval_filename ${join(dir, "one.jsonl")} is one of the --data_path files\n`],
    [["--eval", "--data_path=q.jsonl,missing.jsonl"], "h2ogpt generate: --eval with several --data_path entries needs --eval_filename=FILE\n"],
    [["--eval", "--data_path=q.jsonl", "--data_col_dict={'a': 'answer'}"], expect.stringContaining("h2ogpt generate: --data_col_dict: 'a' maps to \"answer\", which is not a field prepare reads")],
    [["--eval", "--data_path=one.jsonl", "--context=x"], "h2ogpt generate: --context applies to --instruction and --cli; --eval records carry their own 'context' field\n"],
    [["--instruction=x", "--context=@missing.txt"], `h2ogpt generate: ${join(dir, "missing.txt")}: cannot be read (ENOENT)\n`]
  ])("%j fails with one line and exit code 2 before any model loads", async (argv, line) => {
    const io = memoryIo({cwd: dir});
    // No --base_model: reaching the engine would fail with a different message.
    expect(await main(["generate", ...argv], io)).toBe(2);
    expect(io.err()).toEqual(line);
    expect(io.err().split("\n")).toHaveLength(2);
  });
});

describe("h2ogpt generate --cli (chat on a fake engine)", () => {
  const settings = {promptType: "human_bot", maxNewTokens: 500} as const;
  const long = Array.from({length: 400}, () => " la");
  const short = [" A", " bot."];

  it("stops the answer being written on Ctrl-C and goes on with the chat, keeping the partial answer", async () => {
    const io = memoryIo({stdin: "Sing\nWho are you?\n"});
    const engine = new FakeEngine({script: (call) => (call === 0 ? long : short)});
    let sent = false;
    io.stdout.on("data", () => {
      if (!sent && io.out().includes(" la la")) {
        sent = true;
        io.interrupt();
      }
    });
    expect(await chat({engine, settings, keepSources: false, io})).toBe(0);
    expect(io.err()).toContain("(answer stopped)");
    const [first, second] = io.out().split("\n");
    expect(first!.split(" la").length - 1).toBeLessThan(long.length);
    expect(second).toBe("A bot.");
    expect(engine.calls).toHaveLength(2);
    expect(engine.calls[1]!.prompt).toContain(`<human>: Sing\n<bot>: ${first}\n<human>: Who are you?`);
    expect(io.signal.aborted).toBe(false);
  });

  it("ends with 130 on a second Ctrl-C during the answer", async () => {
    const io = memoryIo({stdin: "Sing\nWho are you?\n"});
    const engine = new FakeEngine({script: long});
    io.stdout.once("data", () => {
      io.interrupt();
      io.interrupt();
    });
    expect(await chat({engine, settings, keepSources: false, io})).toBe(130);
    expect(engine.calls).toHaveLength(1);
  });

  it("ends with 130 on Ctrl-C at the prompt", async () => {
    const io = memoryIo();
    const engine = new FakeEngine({script: short});
    const done = chat({engine, settings, keepSources: false, io});
    io.stdout.on("data", () => {
      if (io.out().endsWith("A bot.\n")) io.interrupt();
    });
    (io.stdin as PassThrough).write("Who are you?\n");
    expect(await done).toBe(130);
    expect(engine.calls).toHaveLength(1);
  });

  it("/help lists the chat's commands instead of sending them to the model", async () => {
    const io = memoryIo({stdin: "/help\n"});
    const engine = new FakeEngine({script: short});
    expect(await chat({engine, settings, keepSources: false, io})).toBe(0);
    expect(engine.calls).toHaveLength(0);
    for (const command of ["/help", "/clear", "/exit", "Ctrl-C", "Ctrl-D"]) expect(io.out()).toContain(command);
  });
});
