import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {getLlama, LlamaCompletion, LlamaLogLevel, type Llama} from "node-llama-cpp";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {neoxVocabGgufPath} from "../../test/support/shared.js";
import {writeRandomLlamaGguf, type WriteRandomLlamaGgufOptions} from "./index.js";

let dir: string;
let llama: Llama;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-random-llama-model-"));
  llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

async function loadAndGenerate(options: Omit<WriteRandomLlamaGgufOptions, "path">, name: string) {
  const written = await writeRandomLlamaGguf({path: join(dir, `${name}.gguf`), ...options});
  const model = await llama.loadModel({modelPath: written.path});
  try {
    const context = await model.createContext({contextSize: 256, threads: 1});
    const completion = new LlamaCompletion({contextSequence: context.getSequence()});
    const run = () => completion.generateCompletionWithMeta("The quick brown fox", {maxTokens: 8, temperature: 0});
    const first = await run();
    const second = await run();
    await context.dispose();
    return {written, trainContextSize: model.trainContextSize, first, second, roundTrip: model.detokenize(model.tokenize("hello world, 123!"))};
  } finally {
    await model.dispose();
  }
}

describe("random llama GGUFs from our writer run in node-llama-cpp", () => {
  it("a tiny model with a synthetic vocabulary loads, tokenizes and generates deterministically", async () => {
    const r = await loadAndGenerate({nEmbd: 32, nLayer: 1, nHead: 2, nFf: 64, contextLength: 512, seed: 1}, "tiny");
    expect(r.trainContextSize).toBe(512);
    expect(r.roundTrip).toBe("hello world, 123!");
    expect(r.first.metadata.stopReason).toBe("maxTokens");
    expect(r.first.response.length).toBeGreaterThan(0);
    expect(r.second.response).toBe(r.first.response);
  });

  it.skipIf(neoxVocabGgufPath == null)("a >= 20M-parameter model with the GPT-NeoX vocabulary and grouped-query attention", async () => {
    const r = await loadAndGenerate(
      {vocabulary: {gguf: neoxVocabGgufPath!}, nEmbd: 256, nLayer: 4, nHead: 8, nHeadKv: 4, nFf: 1024, contextLength: 2048, seed: 7},
      "neox-20m"
    );
    expect(r.written.parameters).toBeGreaterThanOrEqual(20_000_000);
    expect(r.trainContextSize).toBe(2048);
    expect(r.roundTrip).toBe("hello world, 123!");
    expect(r.first.metadata.stopReason).toBe("maxTokens");
    expect(r.second.response).toBe(r.first.response);
  });

  it("a tied-embedding F32 model", async () => {
    const r = await loadAndGenerate({nEmbd: 32, nLayer: 2, nHead: 4, nFf: 64, contextLength: 256, seed: 2, tied: true, type: "F32"}, "tied");
    expect(r.first.response).toBe(r.second.response);
    expect(r.first.response.length).toBeGreaterThan(0);
  });
});
