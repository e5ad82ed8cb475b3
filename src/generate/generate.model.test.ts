import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {createEngine, type Engine} from "../engine/index.js";
import {ContextOverflowError} from "../errors/index.js";
import {writeRandomLlamaGguf} from "../gguf/index.js";
import {neoxVocabGgufPath, tinyLlamaPath} from "../../test/support/shared.js";
import {generate, generateStream} from "./index.js";

let tiny: Engine;
let neox: Engine;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-generate-"));
  if (tinyLlamaPath != null) tiny = await createEngine({baseModel: tinyLlamaPath, contextLength: 256});
  if (neoxVocabGgufPath != null) {
    const path = join(dir, "neox.gguf");
    await writeRandomLlamaGguf({path, vocabulary: {gguf: neoxVocabGgufPath}, nEmbd: 64, nLayer: 2, nHead: 4, nFf: 128, contextLength: 512, seed: 5});
    neox = await createEngine({baseModel: path});
  }
});
afterAll(async () => {
  await tiny?.close();
  await neox?.close();
  await rm(dir, {recursive: true, force: true});
});

describe("generate on llama.cpp (tiny fixture: gibberish, but deterministic at temperature 0)", () => {
  it.skipIf(tinyLlamaPath == null)("streams the answer to a human_bot prompt and ends at a stop string the model writes", async () => {
    const {stream, result} = generateStream({engine: tiny, promptType: "human_bot", instruction: "Who are you?", maxNewTokens: 30, stop: [" Pakistan"]});
    const deltas: string[] = [];
    for await (const delta of stream) deltas.push(delta);
    const final = await result;
    expect(final).toMatchObject({
      response: "мало ung",
      promptRaw: "<human>: Who are you?\n<bot>:",
      promptType: "human_bot",
      promptTokens: 12,
      stopReason: "stop",
      maxNewTokens: 30,
      turnsDropped: 0
    });
    expect(deltas.join("")).toBe("мало ung");
  });

  it.skipIf(tinyLlamaPath == null)("grants only what the context leaves and drops old turns to fit", async () => {
    const history = Array.from({length: 6}, (_, i) => [`Tell me about topic number ${i} in some detail please`, `Topic ${i} is a long story that goes on and on for a while`] as const);
    const result = await generate({engine: tiny, promptType: "human_bot", history, instruction: "And the last one?", maxNewTokens: 100});
    expect(result.turnsDropped).toBeGreaterThan(0);
    expect(result.promptTokens + result.maxNewTokens).toBeLessThanOrEqual(256);
    expect(result.maxNewTokens).toBe(100);
    expect(result.promptTokens).toBe(await tiny.countTokens(result.promptRaw));
    expect(result.completionTokens).toBeLessThanOrEqual(100);
  });

  it.skipIf(tinyLlamaPath == null)("refuses a message that cannot fit, with both numbers", async () => {
    const error = await generate({engine: tiny, promptType: "plain", instruction: "word ".repeat(400)}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContextOverflowError);
    expect((error as ContextOverflowError).nCtx).toBe(256);
    expect((error as ContextOverflowError).nPromptTokens).toBeGreaterThan(256);
  });

  it.skipIf(neoxVocabGgufPath == null)("runs on a random GGUF with the GPT-NeoX vocabulary written by our writer", async () => {
    const first = await generate({engine: neox, promptType: "human_bot", instruction: "Hello there", maxNewTokens: 16});
    const second = await generate({engine: neox, promptType: "human_bot", instruction: "Hello there", maxNewTokens: 16});
    expect(first.response).toBe(second.response);
    expect(first.completionTokens).toBeGreaterThan(0);
    expect(first.promptTokens).toBe(await neox.countTokens("<human>: Hello there\n<bot>:"));
  });
});
