import {existsSync} from "node:fs";
import {copyFile, mkdtemp, rm, truncate} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ContextOverflowError, InputFileError} from "../errors/index.js";
import {readGguf, readGgufTensor, readGgufTensorBytes, writeGguf, writeRandomLlamaGguf} from "../gguf/index.js";
import {neoxVocabGgufPath, tinyLlamaPath} from "../../test/support/shared.js";
import {createEngine, ModelLoadError, type Engine, type EngineGeneration} from "./index.js";

let dir: string;
let tiny: Engine;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-llama-engine-"));
  if (tinyLlamaPath != null) tiny = await createEngine({baseModel: tinyLlamaPath, contextLength: 512, sequences: 2});
});
afterAll(async () => {
  await tiny?.close();
  await rm(dir, {recursive: true, force: true});
});

async function drain(generation: EngineGeneration): Promise<{deltas: string[]; text: string}> {
  const deltas: string[] = [];
  for await (const delta of generation.stream) deltas.push(delta);
  return {deltas, text: (await generation.result).text};
}

/**
 * A random model whose output layer only scores EOS (+) and one other token (-) along one hidden dimension, so
 * greedy decoding of "Hello" ends with EOS at once: a deterministic way to exercise eos and min_new_tokens.
 */
async function eosModel(): Promise<string> {
  const base = join(dir, "eos-base.gguf");
  await writeRandomLlamaGguf({path: base, nEmbd: 32, nLayer: 1, nHead: 2, nFf: 64, contextLength: 256, seed: 1, type: "F32", vocabulary: {synthetic: 512}});
  const file = await readGguf(base);
  const output = await readGgufTensor(file, "output.weight");
  output.fill(0);
  output[2 * 32] = 20;
  output[300 * 32] = -20;
  const path = join(dir, "eos.gguf");
  const tensors = await Promise.all(file.tensors.map(async (t) => ({...t, data: t.name === "output.weight" ? output : await readGgufTensorBytes(file, t.name)})));
  await writeGguf(path, {metadata: file.metadata, tensors});
  return path;
}

const prompt = "<human>: Who are you?\n<bot>:";

describe("llama.cpp engine on the tiny fixture (random weights, deterministic at temperature 0)", () => {
  it.skipIf(tinyLlamaPath == null)("describes the model and counts tokens as it feeds them (with BOS)", async () => {
    expect(tiny.info).toMatchObject({kind: "llama.cpp", name: "LLaMA v2", contextLength: 512, trainContextLength: 4096, sequences: 2, promptFormat: "raw", tokenCounting: "exact", bosToken: "<s>", eosToken: "</s>"});
    expect(tiny.info.ggufMetadata?.["general.architecture"]).toEqual({type: "string", value: "llama"});
    // scripts/build-llama-addon.sh installs the native build where node-llama-cpp looks for a local build.
    const localBuild = fileURLToPath(new URL("../../node_modules/node-llama-cpp/llama/localBuilds/linux-x64/buildDone.status", import.meta.url));
    expect(tiny.info.binary).toBe(existsSync(localBuild) ? "native" : "prebuilt");
    // 512 tokens a sequence: flash attention is on unless asked otherwise.
    expect(tiny.info.flashAttention).toBe(true);
    const ids = await tiny.tokenize("Hello");
    expect(ids).toEqual([1, 15043]);
    // Tokenizations are remembered; a caller changing its copy must not change the next answer.
    ids.push(7);
    expect(await tiny.tokenize("Hello")).toEqual([1, 15043]);
    expect(await tiny.countTokens(prompt)).toBe(12);
    // Special-token text in the prompt is the special token, and BOS is not doubled.
    expect(await tiny.tokenize("<s>Hello")).toEqual([1, 15043]);
  });

  it.skipIf(tinyLlamaPath == null)("unseeded sampling differs between requests started together; a seed repeats", async () => {
    const sample = (seed?: number): Promise<string> =>
      tiny.generate({prompt, maxNewTokens: 6, temperature: 1, topK: 0, ...(seed == null ? {} : {seed})}).result.then((r) => r.text);
    const pairs = await Promise.all(Array.from({length: 3}, () => Promise.all([sample(), sample()])));
    expect(pairs.filter(([a, b]) => a !== b).length).toBeGreaterThan(0);
    const [a, b] = await Promise.all([sample(5), sample(5)]);
    expect(a).toBe(b);
  });

  it.skipIf(tinyLlamaPath == null)("greedy output repeats, and the stream adds up to the result", async () => {
    const first = await drain(tiny.generate({prompt, maxNewTokens: 12}));
    const second = await drain(tiny.generate({prompt, maxNewTokens: 12}));
    expect(first.text).toBe(second.text);
    expect(first.deltas.join("")).toBe(first.text);
    expect(first.text.startsWith(" мало ung Pakistan")).toBe(true);
    const result = await tiny.generate({prompt, maxNewTokens: 12}).result;
    expect(result).toMatchObject({stopReason: "length", completionTokens: 12, promptTokens: 12});
  });

  it.skipIf(tinyLlamaPath == null)("adds logit biases before greedy and sampled choices, end-of-generation tokens included; refuses ids outside the vocabulary", async () => {
    const promptLength = (await tiny.tokenize(prompt)).length;
    const answer = await tiny.generate({prompt, maxNewTokens: 4}).result;
    const first = (await tiny.tokenize(prompt + answer.text))[promptLength]!;
    const banned = await tiny.generate({prompt, maxNewTokens: 4, logitBias: new Map([[first, -100]])}).result;
    expect((await tiny.tokenize(prompt + banned.text))[promptLength]).not.toBe(first);
    const forced = (await tiny.tokenize(" Pakistan")).at(-1)!;
    for (const options of [{}, {temperature: 1, seed: 3}, {minNewTokens: 2}]) {
      const result = await tiny.generate({prompt, maxNewTokens: 3, logitBias: new Map([[forced, 100]]), ...options}).result;
      expect((await tiny.tokenize(prompt + result.text)).slice(promptLength)).toEqual([forced, forced, forced]);
    }
    expect(() => tiny.generate({prompt, maxNewTokens: 1, logitBias: new Map([[10_000_000, 1]])})).toThrow(/logit_bias: token 10000000 is not in the model's vocabulary \(\d+ tokens\)/);
    const eos = (await tiny.tokenize("</s>")).at(-1)!;
    expect(await tiny.generate({prompt, maxNewTokens: 5, logitBias: new Map([[eos, 100]])}).result).toMatchObject({stopReason: "eos", completionTokens: 0});
  });

  it.skipIf(tinyLlamaPath == null)("stops at a stop string the model produces, and never streams any part of one split across tokens", async () => {
    const stopped = await tiny.generate({prompt, maxNewTokens: 30, stop: [" Pakistan"]}).result;
    expect(stopped).toMatchObject({text: " мало ung", stopReason: "stop", stopString: " Pakistan"});
    // "stan Pak" spans two tokens (" Pakistan", " Pakistan").
    const split = await drain(tiny.generate({prompt, maxNewTokens: 30, stop: ["stan Pak"]}));
    expect(split.text).toBe(" мало ung Paki");
    expect(split.deltas.join("")).toBe(" мало ung Paki");
    expect((await tiny.generate({prompt, maxNewTokens: 30, stop: ["stan Pak"]}).result).stopReason).toBe("stop");
  });

  it.skipIf(tinyLlamaPath == null)("a sampled control token adds no text, unless a stop string holds it: then it ends the answer", async () => {
    const [bos] = await tiny.tokenize("<s>");
    const forced = {prompt, maxNewTokens: 3, logitBias: new Map([[bos!, 100]])};
    const hidden = await drain(tiny.generate({...forced, stop: ["\n<human>:"]}));
    expect(hidden).toEqual({deltas: [], text: ""});
    expect(await tiny.generate(forced).result).toMatchObject({text: "", completionTokens: 3, stopReason: "length"});
    expect(await tiny.generate({...forced, stop: ["<s>"]}).result).toMatchObject({text: "", completionTokens: 1, stopReason: "stop", stopString: "<s>"});
  });

  it.skipIf(tinyLlamaPath == null)("abort ends generation at once and frees the sequence for the next request", async () => {
    const controller = new AbortController();
    const long = tiny.generate({prompt, maxNewTokens: 400, signal: controller.signal});
    let seen = 0;
    for await (const _ of long.stream) if (++seen === 3) controller.abort();
    const result = await long.result;
    expect(result.stopReason).toBe("abort");
    expect(result.completionTokens).toBeLessThan(10);
    // Both sequences are free again: two more requests run at once.
    const [a, b] = await Promise.all([tiny.generate({prompt, maxNewTokens: 4}).result, tiny.generate({prompt, maxNewTokens: 4}).result]);
    expect(a.text).toBe(b.text);
  });

  it.skipIf(tinyLlamaPath == null)("under aborts at every stage (queued, evaluating, streaming) the other answers stay exact and no sequence is lost", async () => {
    const prompts = [prompt, `${prompt} Pakistan`, "Hello"];
    const alone = new Map<string, string>();
    const expected = async (text: string, n: number): Promise<string> => {
      const key = `${n}:${text}`;
      if (!alone.has(key)) alone.set(key, (await tiny.generate({prompt: text, maxNewTokens: n}).result).text);
      return alone.get(key)!;
    };
    // A fixed sequence of choices (mulberry32); the timing of the aborts against the decode loop still varies.
    let state = 7;
    const random = (): number => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    };
    const runs = Array.from({length: 24}, () => ({text: prompts[Math.floor(random() * 3)]!, n: 4 + Math.floor(random() * 13), abort: Math.floor(random() * 4)}));
    for (const {text, n} of runs) await expected(text, n);
    const results = await Promise.all(
      runs.map(async ({text, n, abort}) => {
        const controller = new AbortController();
        const generation = tiny.generate({prompt: text, maxNewTokens: n, signal: controller.signal});
        // 0: never; 1: at once, while it waits or evaluates its prompt; 2: after a millisecond; 3: at its first text.
        if (abort === 1) controller.abort();
        if (abort === 2) setTimeout(() => controller.abort(), 1);
        for await (const _ of generation.stream) if (abort === 3) controller.abort();
        return {...(await generation.result), prompt: text, n, abort};
      })
    );
    for (const result of results) {
      if (result.abort === 0) expect(result.stopReason).not.toBe("abort");
      // An abort that came after the answer was complete changes nothing.
      if (result.stopReason !== "abort") expect(result.text).toBe(await expected(result.prompt, result.n));
    }
    expect(results.filter((r) => r.stopReason === "abort").length).toBeGreaterThan(0);
    // Both sequences are free and hold no stale tail that changes an answer.
    const both = await Promise.all(prompts.slice(0, 2).map((text) => tiny.generate({prompt: text, maxNewTokens: 8}).result));
    expect(both.map((r) => r.text)).toEqual([await expected(prompts[0]!, 8), await expected(prompts[1]!, 8)]);
  });

  it.skipIf(tinyLlamaPath == null)("leaving the stream early aborts too, and an already-aborted signal generates nothing", async () => {
    const generation = tiny.generate({prompt, maxNewTokens: 400});
    for await (const _ of generation.stream) break;
    expect((await generation.result).stopReason).toBe("abort");
    const controller = new AbortController();
    controller.abort();
    expect(await tiny.generate({prompt, maxNewTokens: 5, signal: controller.signal}).result).toMatchObject({stopReason: "abort", completionTokens: 0});
  });

  it.skipIf(tinyLlamaPath == null)("max_time ends generation with stop reason time", async () => {
    const result = await tiny.generate({prompt, maxNewTokens: 480, maxTime: 0.02}).result;
    expect(result.stopReason).toBe("time");
    expect(result.completionTokens).toBeLessThan(480);
  });

  it.skipIf(tinyLlamaPath == null)("runs more requests than sequences: they queue and give the same greedy text", async () => {
    const alone = (await tiny.generate({prompt, maxNewTokens: 10}).result).text;
    const together = await Promise.all(Array.from({length: 5}, () => tiny!.generate({prompt, maxNewTokens: 10}).result));
    for (const result of together) expect(result.text).toBe(alone);
  });

  it.skipIf(tinyLlamaPath == null)("a new request on a used sequence answers while long ones run (no wait for the context lock)", async () => {
    const engine = await createEngine({baseModel: tinyLlamaPath!, contextLength: 512, sequences: 3});
    try {
      // Every sequence holds an earlier prompt, so the new request must erase its sequence's stale tail first.
      await Promise.all(["Pakistan Pakistan", "Hello there", "ung ung"].map((p) => engine.generate({prompt: p, maxNewTokens: 2}).result));
      let longDone = false;
      const long = [0, 1].map(() => engine.generate({prompt, maxNewTokens: 480}));
      void Promise.all(long.map((g) => g.result)).then(() => (longDone = true));
      // Read on without leaving the streams (leaving would abort them) until both are under way.
      await Promise.all(
        long.map(
          (generation) =>
            new Promise<void>((started) => {
              void (async () => {
                let seen = 0;
                for await (const _ of generation.stream) if (++seen === 3) started();
              })();
            })
        )
      );
      const result = await engine.generate({prompt: "<human>: Where?\n<bot>:", maxNewTokens: 4}).result;
      expect(result.completionTokens).toBe(4);
      expect(longDone).toBe(false);
      expect((await long[0]!.result).completionTokens).toBe(480);
    } finally {
      await engine.close();
    }
  });

  it.skipIf(tinyLlamaPath == null)("samples reproducibly with a seed, and differently with another", async () => {
    const run = (seed: number) => tiny!.generate({prompt, maxNewTokens: 16, temperature: 1.5, topK: 0, topP: 1, seed}).result;
    const [a, b, c] = [await run(1), await run(1), await run(2)];
    expect(a.text).toBe(b.text);
    expect(c.text).not.toBe(a.text);
  });

  it.skipIf(tinyLlamaPath == null)("never exceeds the context: a prompt that fills it is an overflow error with both numbers", async () => {
    const long = "Pakistan ".repeat(600);
    const error = await tiny.generate({prompt: long, maxNewTokens: 5}).result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContextOverflowError);
    expect(error).toMatchObject({nCtx: 512, exitCode: 3});
    expect((error as ContextOverflowError).nPromptTokens).toBeGreaterThan(512);
    const nearlyFull = "Pakistan ".repeat(250);
    const promptTokens = await tiny.countTokens(nearlyFull);
    const result = await tiny.generate({prompt: nearlyFull, maxNewTokens: 100}).result;
    expect(result.completionTokens).toBeLessThanOrEqual(512 - promptTokens);
  });

  it.skipIf(tinyLlamaPath == null)("a follow-up turn evaluates only what is new, and answers exactly as without the cache", async () => {
    const engine = await createEngine({baseModel: tinyLlamaPath!, contextLength: 512, sequences: 1});
    try {
      const first = await engine.generate({prompt, maxNewTokens: 8}).result;
      expect(first).toMatchObject({promptTokens: 12, cachedTokens: 0});
      const followUp = `${prompt}${first.text}\n<human>: And where do you live?\n<bot>:`;
      const turnTokens = await engine.tokenize(followUp);
      // The sequence still holds the first prompt and the answer's tokens, all but the last one evaluated.
      const cached = await engine.generate({prompt: followUp, maxNewTokens: 12}).result;
      expect(cached.promptTokens).toBe(turnTokens.length);
      expect(cached.cachedTokens).toBeGreaterThanOrEqual(12 + 6);
      expect(cached.cachedTokens).toBeLessThan(turnTokens.length);
      // The same prompt again reuses everything but its last token (whose logits start the answer).
      expect((await engine.generate({prompt: followUp, maxNewTokens: 12}).result).cachedTokens).toBe(turnTokens.length - 1);
      // An unrelated prompt leaves only BOS in common; then the follow-up is evaluated from scratch.
      expect((await engine.generate({prompt: "Pakistan", maxNewTokens: 2}).result).cachedTokens).toBe(1);
      const cold = await engine.generate({prompt: followUp, maxNewTokens: 12}).result;
      expect(cold.cachedTokens).toBe(1);
      expect(cached.completionTokens).toBe(12);
      expect(cached.text).toBe(cold.text);
    } finally {
      await engine.close();
    }
  });

  it.skipIf(tinyLlamaPath == null)("embeds texts as vectors of the model's width", async () => {
    const {vectors, promptTokens} = await tiny.embed!(["hello", "world"]);
    expect(vectors.map((v) => v.length)).toEqual([8, 8]);
    expect(promptTokens).toBe(4);
  });
});

describe("llama.cpp engine: end of sequence, min_new_tokens, LoRA, bad files", () => {
  it.skipIf(tinyLlamaPath == null)("turns flash attention on by default only up to 512 tokens a sequence; the option decides when given", async () => {
    for (const [options, on] of [
      [{contextLength: 513}, false],
      [{contextLength: 256, flashAttention: false}, false],
      [{contextLength: 2048, flashAttention: true}, true]
    ] as const) {
      const engine = await createEngine({baseModel: tinyLlamaPath!, sequences: 1, ...options});
      try {
        expect(engine.info.flashAttention, JSON.stringify(options)).toBe(on);
      } finally {
        await engine.close();
      }
    }
  });

  it("stops at EOS, and min_new_tokens holds EOS off for that many tokens, then lets it end the answer", async () => {
    const engine = await createEngine({baseModel: await eosModel()});
    try {
      expect(await engine.generate({prompt: "Hello", maxNewTokens: 30}).result).toMatchObject({stopReason: "eos", completionTokens: 0, text: ""});
      // Greedy after the held token, this model chooses one more token, then EOS again.
      expect(await engine.generate({prompt: "Hello", maxNewTokens: 30, minNewTokens: 1}).result).toMatchObject({stopReason: "eos", completionTokens: 2});
      expect((await engine.generate({prompt: "Hello", maxNewTokens: 30, minNewTokens: 6}).result).completionTokens).toBeGreaterThanOrEqual(6);
      const sampled = await engine.generate({prompt: "Hello", maxNewTokens: 30, minNewTokens: 4, temperature: 0.8, seed: 5}).result;
      expect(sampled.completionTokens).toBeGreaterThanOrEqual(4);
    } finally {
      await engine.close();
    }
  });

  it.skipIf(neoxVocabGgufPath == null)("applies a LoRA adapter at context creation: a zero adapter changes nothing, a real one changes the output", async () => {
    const base = join(dir, "lora-base.gguf");
    const hparams = {nEmbd: 64, nLayer: 2, nHead: 4, nFf: 128, contextLength: 256};
    await writeRandomLlamaGguf({path: base, ...hparams, seed: 3, vocabulary: {gguf: neoxVocabGgufPath!}});
    const rank = 4;
    const adapter = async (name: string, scale: number): Promise<string> => {
      const path = join(dir, name);
      const tensors = [0, 1].flatMap((layer) =>
        ["attn_q", "attn_v"].flatMap((kind) => [
          {name: `blk.${layer}.${kind}.weight.lora_a`, dims: [64, rank], data: Float32Array.from({length: 64 * rank}, (_, i) => scale * Math.sin(i + layer))},
          {name: `blk.${layer}.${kind}.weight.lora_b`, dims: [rank, 64], data: Float32Array.from({length: 64 * rank}, (_, i) => scale * Math.cos(i * 3 + layer))}
        ])
      );
      await writeGguf(path, {
        metadata: {"general.architecture": "llama", "general.type": "adapter", "adapter.type": "lora", "adapter.lora.alpha": {type: "f32", value: rank}},
        tensors
      });
      return path;
    };
    const run = async (loraAdapters?: {path: string}[]): Promise<string> => {
      const engine = await createEngine({baseModel: base, loraAdapters});
      try {
        return (await engine.generate({prompt: "The quick brown fox", maxNewTokens: 8}).result).text;
      } finally {
        await engine.close();
      }
    };
    const plain = await run();
    expect(await run([{path: await adapter("zero.gguf", 0)}])).toBe(plain);
    expect(await run([{path: await adapter("strong.gguf", 2)}])).not.toBe(plain);
    const missing = await createEngine({baseModel: base, loraAdapters: [{path: join(dir, "none.gguf")}]}).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(InputFileError);
    expect((missing as Error).message).toBe(`${join(dir, "none.gguf")}: file not found`);
  });

  it("names the file for a missing, truncated or vocabulary-only model (exit code 2)", async () => {
    const missing = await createEngine({baseModel: join(dir, "absent.gguf")}).catch((e: unknown) => e);
    expect(missing).toMatchObject({exitCode: 2, message: `${join(dir, "absent.gguf")}: file not found`});
    if (tinyLlamaPath != null) {
      const cut = join(dir, "cut.gguf");
      await copyFile(tinyLlamaPath, cut);
      await truncate(cut, 1_000_000);
      const error = await createEngine({baseModel: cut}).catch((e: unknown) => e);
      expect(error).toMatchObject({exitCode: 2});
      expect((error as Error).message).toContain(`${cut}: not a valid GGUF file: truncated`);
    }
    if (neoxVocabGgufPath != null) {
      const error = await createEngine({baseModel: neoxVocabGgufPath}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelLoadError);
      expect((error as Error).message).toContain("has no tensors");
    }
    await expect(createEngine({baseModel: "h2oai/h2ogpt-oasst1-512-12b"})).rejects.toThrow("h2ogpt-ts runs GGUF files locally");
    await expect(createEngine({modelsDir: dir + "/no-models"})).rejects.toThrow("no model: give --base_model");
  });
});
