import {spawn, type ChildProcess} from "node:child_process";
import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {llamaServerPath, startLlamaServer, type RunningLlamaServer} from "../../test/support/llama-server.js";
import {runMain} from "../../test/support/run-main.js";
import {projectRoot, tinyLlamaPath} from "../../test/support/shared.js";
import {createEngine, RemoteServerError, type Engine, type EngineGeneration} from "./index.js";

// A real llama-server (scripts/build-llama-server.sh) on the tiny fixture; skipped, with the reason printed, when
// either is absent outside CI.
const usable = llamaServerPath != null && tinyLlamaPath != null;
const prompt = "<human>: Who are you?\n<bot>:";
const SLOT_CONTEXT = 4096;

let dir: string;
let server: RunningLlamaServer;
let local: Engine;
let remote: Engine;
const children: ChildProcess[] = [];

async function drain(generation: EngineGeneration): Promise<{deltas: string[]; text: string}> {
  const deltas: string[] = [];
  for await (const delta of generation.stream) deltas.push(delta);
  return {deltas, text: (await generation.result).text};
}

/** Resolves once `count` deltas have arrived, reading on (leaving a stream early would abort it). */
function started(generation: EngineGeneration, count: number): Promise<void> {
  return new Promise((resolve) => {
    void (async () => {
      let seen = 0;
      try {
        for await (const _ of generation.stream) if (++seen === count) resolve();
      } catch {
        // The test reads the failure from `result`.
      }
    })();
  });
}

describe.skipIf(!usable)("remote engine against a real llama-server (tiny fixture, greedy)", () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "h2ogpt-remote-llama-"));
    server = await startLlamaServer({model: tinyLlamaPath!, parallel: 2, contextSize: 2 * SLOT_CONTEXT});
    local = await createEngine({baseModel: tinyLlamaPath!, contextLength: SLOT_CONTEXT});
    remote = await createEngine({inferenceServer: server.inferenceServer});
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode == null && child.signalCode == null) child.kill("SIGKILL");
    await remote?.close();
    await local?.close();
    await server?.kill();
    await rm(dir, {recursive: true, force: true});
  });

  it("reads the slot's context from /props and counts tokens through /tokenize exactly as llama.cpp in process", async () => {
    expect(remote.info).toMatchObject({kind: "remote", contextLength: SLOT_CONTEXT, tokenCounting: "server", promptFormat: "raw"});
    for (const text of [prompt, "Hello world", "Pakistan ".repeat(40)]) expect(await remote.countTokens(text)).toBe(await local.countTokens(text));
  });

  it("streams the same greedy answer as the in-process engine, with the server's usage counts", async () => {
    const there = await drain(remote.generate({prompt, maxNewTokens: 12}));
    const here = await local.generate({prompt, maxNewTokens: 12}).result;
    expect(there.text).toBe(here.text);
    expect(there.deltas.length).toBeGreaterThan(1);
    expect(there.deltas.join("")).toBe(there.text);
    // The same prompt again: llama-server's prompt cache held all but the last token, and says so in usage.
    expect(await remote.generate({prompt, maxNewTokens: 12}).result).toMatchObject({promptTokens: 12, cachedTokens: 11, completionTokens: 12, stopReason: "length"});
  });

  it("applies logit_bias as the in-process engine does: the greedy answer's first token banned gives the same new answer", async () => {
    const promptLength = (await local.tokenize(prompt)).length;
    const answer = await local.generate({prompt, maxNewTokens: 6}).result;
    const first = (await local.tokenize(prompt + answer.text))[promptLength]!;
    const logitBias = new Map([[first, -100]]);
    const here = await local.generate({prompt, maxNewTokens: 6, logitBias}).result;
    expect(here.text).not.toBe(answer.text);
    expect((await remote.generate({prompt, maxNewTokens: 6, logitBias}).result).text).toBe(here.text);
  });

  it("applies presence and frequency penalties as llama-server does: over the last 64 tokens, prompt included", async () => {
    // Banned on both sides: llama's byte tokens <0x00>-<0xFF> (ids 3-258), since bytes a random model strings together
    // may not be UTF-8 and llama-server fails such an answer mid-stream (its chat parser re-reads the text every
    // token).
    const logitBias = new Map(Array.from({length: 256}, (_, i): [number, number] => [i + 3, -100]));
    const plain = await local.generate({prompt, maxNewTokens: 24, logitBias}).result;
    for (const penalties of [{presencePenalty: 1.5}, {frequencyPenalty: 0.8}, {presencePenalty: -1, frequencyPenalty: 0.5}]) {
      const here = await local.generate({prompt, maxNewTokens: 24, logitBias, ...penalties}).result;
      expect(here.text).not.toBe(plain.text);
      expect((await remote.generate({prompt, maxNewTokens: 24, logitBias, ...penalties}).result).text).toBe(here.text);
    }
  });

  it("a sampled BOS adds no text, as llama-server leaves it out", async () => {
    const forced = {prompt, maxNewTokens: 3, logitBias: new Map([[1, 100]])};
    expect(await local.generate(forced).result).toMatchObject({text: "", completionTokens: 3});
    expect(await remote.generate(forced).result).toMatchObject({text: "", completionTokens: 3});
  });

  it("ends at a stop string without returning or streaming any of it", async () => {
    const generation = remote.generate({prompt, maxNewTokens: 30, stop: [" Pakistan"]});
    const {deltas, text} = await drain(generation);
    expect(text).toBe(" мало ung");
    expect(deltas.join("")).toBe(" мало ung");
    // llama-server matched the stop string itself and says only "stop", as it says for end-of-sequence; vLLM names
    // the string (stop_reason), llama-server does not, so the reason reads as eos.
    expect((await generation.result).stopReason).toBe("eos");
  });

  it("h2ogpt generate --inference_server leaves out the oldest turns by the server's token counts", async () => {
    const history = Array.from({length: 12}, (_, i) => [`question ${i} ${"Pakistan ".repeat(30)}`, `answer ${i} ${"Pakistan ".repeat(30)}`]);
    const path = join(dir, "history.json");
    await writeFile(path, JSON.stringify([...history, ["Who are you?", null]]));
    const args = ["generate", "--prompt_type=human_bot", "--max_seq_len=512", "--max_new_tokens=8", `--history=@${path}`, "--json"];
    const there = await runMain([...args, `--inference_server=${server.inferenceServer}`], {cwd: dir});
    const here = await runMain([...args, `--base_model=${tinyLlamaPath}`], {cwd: dir});
    expect(there.code, there.err).toBe(0);
    const remoteJson = JSON.parse(there.out) as {prompt_tokens: number; turns_dropped: number; response: string};
    const localJson = JSON.parse(here.out) as {prompt_tokens: number; turns_dropped: number; response: string};
    expect(remoteJson.turns_dropped).toBeGreaterThan(0);
    expect(remoteJson.prompt_tokens + 8).toBeLessThanOrEqual(512);
    expect(remoteJson).toMatchObject({turns_dropped: localJson.turns_dropped, prompt_tokens: localJson.prompt_tokens, response: localJson.response});
  });

  it("serve --inference_server: a client that disconnects mid-stream frees llama-server's slot long before its answer would end", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "test/server/run-cli.ts", "serve", `--inference_server=${server.inferenceServer}`, "--prompt_type=plain", "--port=0",
        `--history_db=${join(dir, "serve.db")}`, `--persist_directory=${join(dir, "db")}`],
      {cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"]}
    );
    children.push(child);
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (match != null) resolve(match[1]!);
      });
      child.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
    });
    const id = ((await (await fetch(`${url}/v1/models`)).json()) as {data: {id: string}[]}).data[0]!.id;
    const body = (maxTokens: number, stream: boolean) =>
      JSON.stringify({model: id, prompt, max_tokens: maxTokens, temperature: 0, stream, ...(stream ? {} : {stop: [" Pakistan"]})});
    // Streaming and stop strings through our server and back from llama-server.
    const stopped = (await (await fetch(`${url}/v1/completions`, {method: "POST", headers: {"content-type": "application/json"}, body: body(30, false)})).json()) as {
      choices: {text: string; finish_reason: string}[];
    };
    expect(stopped.choices[0]).toMatchObject({text: " мало ung", finish_reason: "stop"});

    const releases = (): number[] => [...server.log().matchAll(/stop processing: n_tokens = (\d+)/g)].map((m) => Number(m[1]));
    // The stopped request's slot release must be in the log before counting, or it would be counted as the stream's.
    await server.waitIdle();
    const before = releases().length;
    const controller = new AbortController();
    const response = await fetch(`${url}/v1/completions`, {method: "POST", headers: {"content-type": "application/json"}, body: body(4000, true), signal: controller.signal});
    const reader = response.body!.getReader();
    let events = 0;
    while (events < 3) {
      const {value, done} = await reader.read();
      expect(done).toBe(false);
      events += new TextDecoder().decode(value).split("data: ").length - 1;
    }
    controller.abort();
    await server.waitIdle();
    // The slot stopped when our server closed the upstream stream, far short of the 12 + 4,000 tokens asked for.
    await expect.poll(() => releases().length).toBeGreaterThanOrEqual(before + 1);
    const released = releases();
    expect(released.length).toBe(before + 1);
    expect(released.at(-1)).toBeLessThan(2000);
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  });

  it("llama-server killed mid-stream: a clear error at once, and the engine's slot is free for the next request", async () => {
    const doomed = await startLlamaServer({model: tinyLlamaPath!, parallel: 1, contextSize: SLOT_CONTEXT});
    const engine = await createEngine({inferenceServer: doomed.inferenceServer, sequences: 1, retry: {retries: 0}});
    try {
      const generation = engine.generate({prompt, maxNewTokens: 2000});
      await started(generation, 3);
      await doomed.kill();
      const error = await generation.result.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteServerError);
      expect((error as Error).message).toContain(": the stream broke (");
      // With one slot, a request stuck behind a leaked slot would wait forever; this one fails fast instead.
      const next = await engine.generate({prompt, maxNewTokens: 4}).result.catch((e: unknown) => e);
      expect(next).toBeInstanceOf(RemoteServerError);
    } finally {
      await engine.close();
      await doomed.kill();
    }
  });
});
