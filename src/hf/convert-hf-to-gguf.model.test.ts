import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {getLlama} from "node-llama-cpp";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ggufMetadataValue, readGguf} from "../gguf/index.js";
import {llamaCppLogProbs, maxAbsDifference} from "../../test/train/llama-cpp-log-probs.js";
import {llamaReferenceLogProbs, neoxReferenceLogProbs} from "../../test/hf/hf-reference-forward.js";
import {
  llamaConfigJson,
  neoxConfigJson,
  randomLlamaWeights,
  randomNeoxWeights,
  writeHfFolder,
  type HfWeights,
  type TinyLlamaConfig,
  type TinyNeoxConfig
} from "../../test/hf/random-hf-folder.js";
import {RustTokenizer} from "../../test/tokenizer/rust-oracle.js";
import {neoxTokenizerPath} from "../../test/support/shared.js";
import {runMain} from "../../test/support/run-main.js";
import {float16BitsToFloat32, float32ToFloat16Bits} from "../gguf/index.js";
import {writePeftAdapter} from "./index.js";
import {mulberry32} from "../util/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-hf-convert-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

/** The values a tensor holds after a round trip through F16 or BF16, so the reference sees what the file stores. */
function storedAs(weights: HfWeights, dtype: "F16" | "BF16"): HfWeights {
  const bits = new Uint32Array(1);
  const f32 = new Float32Array(bits.buffer);
  const round = (x: number): number => {
    if (dtype === "F16") return float16BitsToFloat32(float32ToFloat16Bits(x));
    f32[0] = x;
    bits[0] = ((bits[0]! + 0x7fff + ((bits[0]! >>> 16) & 1)) >>> 16) << 16;
    return f32[0]!;
  };
  for (const tensor of weights.values()) tensor.data = tensor.data.map(round);
  return weights;
}

const VOCAB = 50304;
const tokens = [510, 3158, 8516, 30013, 27287, 689, 253, 22658, 4370, 15, 50276, 187, 12092, 1533, 2, 7];

const LLAMA: TinyLlamaConfig = {vocabSize: VOCAB, hidden: 32, layers: 2, heads: 4, kvHeads: 2, ff: 48, ropeTheta: 10000};
const NEOX: TinyNeoxConfig = {vocabSize: VOCAB, hidden: 32, layers: 2, heads: 4, ff: 64, rotaryPct: 0.25, parallelResidual: true};
const CHAT_TEMPLATE = "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}";

describe.skipIf(neoxTokenizerPath == null)("h2ogpt convert: llama.cpp on the GGUF equals the Hugging Face model", () => {
  it("llama (grouped-query attention, F16 safetensors): logits < 1e-3, metadata and tokenizer as convert_hf_to_gguf writes them", async () => {
    const weights = storedAs(randomLlamaWeights(LLAMA, 1), "F16");
    const folder = await writeHfFolder({
      dir: join(dir, "tiny-llama"),
      config: llamaConfigJson(LLAMA),
      weights,
      tokenizerJson: neoxTokenizerPath!,
      tokenizerConfig: {chat_template: CHAT_TEMPLATE, eos_token: "<|endoftext|>", bos_token: "<|endoftext|>", add_bos_token: false},
      dtype: "F16"
    });
    const out = join(dir, "tiny-llama.gguf");
    const result = await runMain(["convert", `--base_model=${folder}`, `--out=${out}`, "--outtype=f32"], {cwd: dir});
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/wrote .*tiny-llama\.gguf \(llama, 21 tensors, f32/);

    const file = await readGguf(out);
    expect(ggufMetadataValue(file, "general.architecture")).toBe("llama");
    expect(ggufMetadataValue(file, "tokenizer.ggml.model")).toBe("gpt2");
    // The GPT-NeoX tokenizer's check hash is mpt-7b's and OLMo's; the later entry (olmo) wins in llama.cpp's table.
    expect(ggufMetadataValue(file, "tokenizer.ggml.pre")).toBe("olmo");
    expect(ggufMetadataValue(file, "tokenizer.chat_template")).toBe(CHAT_TEMPLATE);
    expect(ggufMetadataValue(file, "tokenizer.ggml.eos_token_id")).toBe(0);
    expect(ggufMetadataValue(file, "llama.attention.head_count_kv")).toBe(2);
    expect((ggufMetadataValue(file, "tokenizer.ggml.tokens") as string[]).length).toBe(VOCAB);

    const theirs = await llamaCppLogProbs({modelPath: out, tokens});
    const ours = llamaReferenceLogProbs(LLAMA, weights, tokens);
    expect(maxAbsDifference(ours, theirs)).toBeLessThan(1e-3);
    expect(Math.max(...ours[5]!) - Math.min(...ours[5]!)).toBeGreaterThan(1);

    // A PEFT adapter on q/k/v (q and k need the rotary reordering of B) converted by generate's path.
    const random = mulberry32(5);
    const rank = 4;
    const targets = ["blk.0.attn_q.weight", "blk.1.attn_k.weight", "blk.1.attn_v.weight"];
    const hfOf: Record<string, string> = {
      "blk.0.attn_q.weight": "model.layers.0.self_attn.q_proj.weight",
      "blk.1.attn_k.weight": "model.layers.1.self_attn.k_proj.weight",
      "blk.1.attn_v.weight": "model.layers.1.self_attn.v_proj.weight"
    };
    const adapters = new Map<string, Float32Array>();
    const shapes = new Map<string, readonly number[]>();
    const merged: HfWeights = new Map([...weights].map(([name, t]) => [name, {shape: t.shape, data: Float32Array.from(t.data)}]));
    const peftDir = join(dir, "peft-in");
    // Random HF-order adapters, written as PEFT by way of GGUF order: writePeftAdapter un-reorders what we hand it.
    const hfAdapters = new Map<string, {a: Float32Array; b: Float32Array; out: number; inDim: number}>();
    for (const target of targets) {
      const [out, inDim] = weights.get(hfOf[target]!)!.shape as [number, number];
      const a = Float32Array.from({length: rank * inDim}, () => (random() * 2 - 1) * 0.5);
      const b = Float32Array.from({length: out * rank}, () => (random() * 2 - 1) * 0.5);
      hfAdapters.set(target, {a, b, out, inDim});
      const w = merged.get(hfOf[target]!)!.data;
      for (let o = 0; o < out; o++) for (let k = 0; k < rank; k++) for (let i = 0; i < inDim; i++) w[o * inDim + i] += (8 / rank) * b[o * rank + k]! * a[k * inDim + i]!;
    }
    const {openHfFolder} = await import("./index.js");
    const layout = await openHfFolder(folder);
    const {ggufRowOrder, reorderRows} = await import("./hf-gguf-layout.js");
    for (const [target, {a, b, out, inDim}] of hfAdapters) {
      adapters.set(`${target}.lora_a`, a);
      adapters.set(`${target}.lora_b`, reorderRows(b, ggufRowOrder(layout, target, out)));
      shapes.set(`${target}.lora_a`, [rank, inDim]);
      shapes.set(`${target}.lora_b`, [out, rank]);
    }
    await writePeftAdapter({dir: peftDir, layout, baseModelNameOrPath: folder, weights: {rank, alpha: 8, dropout: 0, targets, adapters, shapes}});
    const adapterGguf = join(dir, "peft-in.gguf");
    const converted = await runMain(["convert", `--base_model=${out}`, `--lora_weights=${peftDir}`, `--out=${adapterGguf}`], {cwd: dir});
    expect(converted.err).toBe("");
    expect(converted.code).toBe(0);
    const withAdapter = await llamaCppLogProbs({modelPath: out, tokens, lora: adapterGguf});
    expect(maxAbsDifference(withAdapter, theirs)).toBeGreaterThan(0.1);
    expect(maxAbsDifference(llamaReferenceLogProbs(LLAMA, merged, tokens), withAdapter)).toBeLessThan(1e-3);
  });

  it("gpt_neox (partial rotary, parallel residual, BF16 in 3 shards): logits < 1e-3", async () => {
    const weights = storedAs(randomNeoxWeights(NEOX, 2), "BF16");
    const folder = await writeHfFolder({dir: join(dir, "tiny-neox"), config: neoxConfigJson(NEOX), weights, tokenizerJson: neoxTokenizerPath!, dtype: "BF16", shards: 3});
    const out = join(dir, "tiny-neox.gguf");
    const result = await runMain(["convert", `--base_model=${folder}`, `--out=${out}`, "--outtype=f32"], {cwd: dir});
    expect(result.code).toBe(0);
    const file = await readGguf(out);
    expect(file.tensors.map((t) => t.name)).toContain("blk.1.attn_qkv.bias");
    expect(ggufMetadataValue(file, "gptneox.rope.dimension_count")).toBe(2);
    expect(ggufMetadataValue(file, "gptneox.use_parallel_residual")).toBe(true);
    const theirs = await llamaCppLogProbs({modelPath: out, tokens});
    const ours = neoxReferenceLogProbs(NEOX, weights, tokens);
    expect(maxAbsDifference(ours, theirs)).toBeLessThan(1e-3);
    expect(Math.max(...ours[5]!) - Math.min(...ours[5]!)).toBeGreaterThan(1);

    const sequential = {...NEOX, parallelResidual: false, rotaryPct: 1};
    const seqWeights = randomNeoxWeights(sequential, 3);
    const seqFolder = await writeHfFolder({dir: join(dir, "tiny-neox-seq"), config: neoxConfigJson(sequential), weights: seqWeights, tokenizerJson: neoxTokenizerPath!});
    const seqOut = join(dir, "tiny-neox-seq.gguf");
    expect((await runMain(["convert", `--base_model=${seqFolder}`, `--out=${seqOut}`, "--outtype=f32"], {cwd: dir})).code).toBe(0);
    expect(maxAbsDifference(neoxReferenceLogProbs(sequential, seqWeights, tokens), await llamaCppLogProbs({modelPath: seqOut, tokens}))).toBeLessThan(1e-3);

    // The vocabulary llama.cpp reads from the GGUF tokenizes as HF's Rust tokenizers does.
    const rust = RustTokenizer.fromFile(neoxTokenizerPath!);
    const llama = await getLlama({gpu: false, build: "never", logLevel: "error" as never});
    const model = await llama.loadModel({modelPath: out, vocabOnly: true});
    try {
      const texts = [
        "Hello world", " leading space", "Numbers 12345 and 3.14159!", "can't won't I'll", "tabs\tand\nnewlines\n\n",
        "émigré naïve café", "日本語のテキスト", "emoji 🦙🚀 mix", "    indented code()", "<|endoftext|> is special"
      ];
      for (const text of texts) {
        const expected = (await rust.encode(text)).getIds();
        expect([...model.tokenize(text, true)], text).toEqual([...expected]);
      }
    } finally {
      await model.dispose();
    }
  });
});
