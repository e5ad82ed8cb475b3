import {copyFile, mkdir, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {writeSafetensorsFile, type SafetensorsDtype} from "../../src/hf/index.js";
import {mulberry32} from "../../src/util/index.js";

/**
 * Random tiny Hugging Face folders (config.json, safetensors weights, tokenizer.json) in HF's own layout, for the
 * converter and trainer tests: the weights come back too, for a reference forward pass on them.
 */

export interface TinyLlamaConfig {
  readonly vocabSize: number;
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly ff: number;
  readonly tied?: boolean;
  readonly ropeTheta?: number;
  readonly rmsEps?: number;
}

export interface TinyNeoxConfig {
  readonly vocabSize: number;
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly ff: number;
  readonly rotaryPct: number;
  readonly parallelResidual: boolean;
  readonly layerNormEps?: number;
}

export type HfWeights = Map<string, {shape: number[]; data: Float32Array}>;

function randomTensor(random: () => number, shape: number[], scale: number, offset = 0): {shape: number[]; data: Float32Array} {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = offset + (random() * 2 - 1) * scale;
  return {shape, data};
}

export function randomLlamaWeights(config: TinyLlamaConfig, seed: number): HfWeights {
  const random = mulberry32(seed);
  const {hidden: d, ff, vocabSize: v} = config;
  const kv = (d / config.heads) * config.kvHeads;
  const w: HfWeights = new Map();
  w.set("model.embed_tokens.weight", randomTensor(random, [v, d], 0.5));
  for (let i = 0; i < config.layers; i++) {
    const p = `model.layers.${i}.`;
    w.set(`${p}input_layernorm.weight`, randomTensor(random, [d], 0.2, 1));
    w.set(`${p}self_attn.q_proj.weight`, randomTensor(random, [d, d], 0.3));
    w.set(`${p}self_attn.k_proj.weight`, randomTensor(random, [kv, d], 0.3));
    w.set(`${p}self_attn.v_proj.weight`, randomTensor(random, [kv, d], 0.3));
    w.set(`${p}self_attn.o_proj.weight`, randomTensor(random, [d, d], 0.3));
    w.set(`${p}post_attention_layernorm.weight`, randomTensor(random, [d], 0.2, 1));
    w.set(`${p}mlp.gate_proj.weight`, randomTensor(random, [ff, d], 0.3));
    w.set(`${p}mlp.up_proj.weight`, randomTensor(random, [ff, d], 0.3));
    w.set(`${p}mlp.down_proj.weight`, randomTensor(random, [d, ff], 0.3));
  }
  w.set("model.norm.weight", randomTensor(random, [d], 0.2, 1));
  if (!config.tied) w.set("lm_head.weight", randomTensor(random, [v, d], 0.5));
  return w;
}

export function randomNeoxWeights(config: TinyNeoxConfig, seed: number): HfWeights {
  const random = mulberry32(seed);
  const {hidden: d, ff, vocabSize: v} = config;
  const w: HfWeights = new Map();
  w.set("gpt_neox.embed_in.weight", randomTensor(random, [v, d], 0.5));
  for (let i = 0; i < config.layers; i++) {
    const p = `gpt_neox.layers.${i}.`;
    w.set(`${p}input_layernorm.weight`, randomTensor(random, [d], 0.2, 1));
    w.set(`${p}input_layernorm.bias`, randomTensor(random, [d], 0.1));
    w.set(`${p}post_attention_layernorm.weight`, randomTensor(random, [d], 0.2, 1));
    w.set(`${p}post_attention_layernorm.bias`, randomTensor(random, [d], 0.1));
    w.set(`${p}attention.query_key_value.weight`, randomTensor(random, [3 * d, d], 0.3));
    w.set(`${p}attention.query_key_value.bias`, randomTensor(random, [3 * d], 0.1));
    w.set(`${p}attention.dense.weight`, randomTensor(random, [d, d], 0.3));
    w.set(`${p}attention.dense.bias`, randomTensor(random, [d], 0.1));
    w.set(`${p}mlp.dense_h_to_4h.weight`, randomTensor(random, [ff, d], 0.3));
    w.set(`${p}mlp.dense_h_to_4h.bias`, randomTensor(random, [ff], 0.1));
    w.set(`${p}mlp.dense_4h_to_h.weight`, randomTensor(random, [d, ff], 0.3));
    w.set(`${p}mlp.dense_4h_to_h.bias`, randomTensor(random, [d], 0.1));
  }
  w.set("gpt_neox.final_layer_norm.weight", randomTensor(random, [d], 0.2, 1));
  w.set("gpt_neox.final_layer_norm.bias", randomTensor(random, [d], 0.1));
  w.set("embed_out.weight", randomTensor(random, [v, d], 0.5));
  return w;
}

export function llamaConfigJson(config: TinyLlamaConfig): Record<string, unknown> {
  return {
    architectures: ["LlamaForCausalLM"],
    model_type: "llama",
    vocab_size: config.vocabSize,
    hidden_size: config.hidden,
    intermediate_size: config.ff,
    num_hidden_layers: config.layers,
    num_attention_heads: config.heads,
    num_key_value_heads: config.kvHeads,
    max_position_embeddings: 128,
    rms_norm_eps: config.rmsEps ?? 1e-5,
    rope_theta: config.ropeTheta ?? 10000,
    tie_word_embeddings: config.tied ?? false,
    bos_token_id: 0,
    eos_token_id: 0,
    torch_dtype: "float32"
  };
}

export function neoxConfigJson(config: TinyNeoxConfig): Record<string, unknown> {
  return {
    architectures: ["GPTNeoXForCausalLM"],
    model_type: "gpt_neox",
    vocab_size: config.vocabSize,
    hidden_size: config.hidden,
    intermediate_size: config.ff,
    num_hidden_layers: config.layers,
    num_attention_heads: config.heads,
    max_position_embeddings: 128,
    rotary_pct: config.rotaryPct,
    rotary_emb_base: 10000,
    use_parallel_residual: config.parallelResidual,
    layer_norm_eps: config.layerNormEps ?? 1e-5,
    hidden_act: "gelu",
    tie_word_embeddings: false,
    bos_token_id: 0,
    eos_token_id: 0,
    torch_dtype: "float32"
  };
}

/** Writes the folder: one model.safetensors, or `shards` files with model.safetensors.index.json. */
export async function writeHfFolder(options: {
  dir: string;
  config: Record<string, unknown>;
  weights: HfWeights;
  tokenizerJson: string;
  tokenizerConfig?: Record<string, unknown>;
  dtype?: SafetensorsDtype;
  shards?: number;
}): Promise<string> {
  const {dir, weights} = options;
  await mkdir(dir, {recursive: true});
  await writeFile(join(dir, "config.json"), JSON.stringify(options.config, null, 2));
  await copyFile(options.tokenizerJson, join(dir, "tokenizer.json"));
  if (options.tokenizerConfig != null) await writeFile(join(dir, "tokenizer_config.json"), JSON.stringify(options.tokenizerConfig, null, 2));
  const entries = [...weights].map(([name, tensor]) => ({name, shape: tensor.shape, data: tensor.data, dtype: options.dtype}));
  const shards = options.shards ?? 1;
  if (shards === 1) {
    await writeSafetensorsFile(join(dir, "model.safetensors"), entries, {format: "pt"});
    return dir;
  }
  const weightMap: Record<string, string> = {};
  const per = Math.ceil(entries.length / shards);
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, "0")}-of-${String(shards).padStart(5, "0")}.safetensors`;
    const part = entries.slice(s * per, (s + 1) * per);
    for (const entry of part) weightMap[entry.name] = file;
    await writeSafetensorsFile(join(dir, file), part, {format: "pt"});
  }
  await writeFile(join(dir, "model.safetensors.index.json"), JSON.stringify({metadata: {total_size: 0}, weight_map: weightMap}, null, 2));
  return dir;
}
