import {mkdirSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {mulberry32} from "../../src/util/index.js";
import {encodeOnnxModel, type OnnxNode, type OnnxTensor} from "../../src/onnx/index.js";
import {referenceLayerNorm, referenceSelfAttention} from "./reference-math.js";

/**
 * A tiny BERT-like sequence-classification model in Hugging Face Optimum's ONNX layout (model.onnx, config.json,
 * tokenizer.json, tokenizer_config.json): word + position + token-type embeddings, `layers` encoder layers
 * (multi-head attention with the attention mask, GELU feed-forward, post-LayerNorm), a tanh pooler on the first
 * token and a one-logit head. `referenceLogit` runs the same weights in plain JavaScript (float64), the
 * independent check of what onnxruntime computes.
 */

export interface ScoreModelShape {
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly ffn: number;
  readonly maxPositions: number;
  readonly seed: number;
  /** "wordpiece" (BERT, TemplateProcessing) or "unigram" (DeBERTa-v3-like). */
  readonly tokenizer: "wordpiece" | "unigram";
}

export const TINY_SCORE_MODEL: ScoreModelShape = {layers: 1, hidden: 32, heads: 2, ffn: 64, maxPositions: 64, seed: 7, tokenizer: "wordpiece"};

const WORDS = (
  "the a an is are was of to and in that it for on with as by this be at from or which what how why who when where " +
  "model models answer question score scores reward good bad right wrong text token tokens data train training " +
  "server chat prompt type types llama h2ogpt gpt python file files run runs use uses cpu gpu memory fast slow " +
  "yes no not can cannot will would should one two three four five ten hundred half hour minute minutes day " +
  "document documents query search source sources embed embedding onnx weight weights layer layers head heads " +
  "play playing played work working worked read reading write writing un able ing ed er est ly s"
).split(" ");
const SUBWORDS = ["ing", "ed", "er", "s", "ly", "able", "tion", "ment", "ness", "est"];
const CHARS = "abcdefghijklmnopqrstuvwxyz0123456789".split("");
const PUNCTUATION = ".,!?;:'\"()-/%$&*+=<>[]{}@#_".split("");

/** The TemplateProcessing post-processor BERT and DeBERTa-v3 share: `[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1`. */
function clsSepTemplate(clsId: number, sepId: number): object {
  return {
    type: "TemplateProcessing",
    single: [{SpecialToken: {id: "[CLS]", type_id: 0}}, {Sequence: {id: "A", type_id: 0}}, {SpecialToken: {id: "[SEP]", type_id: 0}}],
    pair: [
      {SpecialToken: {id: "[CLS]", type_id: 0}},
      {Sequence: {id: "A", type_id: 0}},
      {SpecialToken: {id: "[SEP]", type_id: 0}},
      {Sequence: {id: "B", type_id: 1}},
      {SpecialToken: {id: "[SEP]", type_id: 1}}
    ],
    special_tokens: {"[CLS]": {id: "[CLS]", ids: [clsId], tokens: ["[CLS]"]}, "[SEP]": {id: "[SEP]", ids: [sepId], tokens: ["[SEP]"]}}
  };
}

/** BERT-style WordPiece vocabulary with a TemplateProcessing post-processor ([CLS] A [SEP] B [SEP], type ids 0/1). */
function wordPieceTokenizerJson(): {json: object; vocabSize: number} {
  const specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
  const tokens = [...specials, ...new Set([...WORDS, ...CHARS, ...PUNCTUATION, ...CHARS.map((c) => `##${c}`), ...SUBWORDS.map((s) => `##${s}`)])];
  const vocab = Object.fromEntries(tokens.map((token, id) => [token, id]));
  const json = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true})),
    normalizer: {type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true},
    pre_tokenizer: {type: "BertPreTokenizer"},
    post_processor: clsSepTemplate(2, 3),
    decoder: {type: "WordPiece", prefix: "##", cleanup: true},
    model: {type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab}
  };
  return {json, vocabSize: tokens.length};
}

/**
 * DeBERTa-v3's tokenizer.json shape (transformers' DebertaV2Converter): Strip + collapse spaces, a Metaspace
 * pre-tokenizer, a Unigram model, `[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1`. Only the vocabulary is small.
 */
function unigramTokenizerJson(): {json: object; vocabSize: number} {
  const specials = ["[PAD]", "[CLS]", "[SEP]", "[UNK]"];
  const pieces: [string, number][] = specials.map((token) => [token, 0]);
  const seen = new Set<string>(specials);
  const add = (piece: string, score: number) => {
    if (seen.has(piece)) return;
    seen.add(piece);
    pieces.push([piece, score]);
  };
  WORDS.forEach((word, i) => add(`\u2581${word}`, -3 - i / 100));
  SUBWORDS.forEach((word, i) => add(word, -6 - i / 100));
  add("\u2581", -5);
  [...CHARS, ...PUNCTUATION].forEach((char, i) => add(char, -8 - i / 100));
  [...CHARS, ...PUNCTUATION].forEach((char, i) => add(`\u2581${char}`, -9 - i / 100));
  const mask = pieces.length;
  const json = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [
      ...specials.map((content, id) => ({id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true})),
      {id: mask, content: "[MASK]", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true}
    ],
    normalizer: {type: "Sequence", normalizers: [{type: "Strip", strip_left: true, strip_right: true}, {type: "Replace", pattern: {Regex: " {2,}"}, content: " "}]},
    // DeBERTa-v3's split_by_punct is false, so Metaspace alone.
    pre_tokenizer: {type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true},
    post_processor: clsSepTemplate(1, 2),
    decoder: {type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true},
    model: {type: "Unigram", unk_id: 3, vocab: pieces, byte_fallback: false}
  };
  return {json, vocabSize: mask + 1};
}

export function scoreTokenizerJson(kind: ScoreModelShape["tokenizer"]): {json: object; vocabSize: number} {
  return kind === "wordpiece" ? wordPieceTokenizerJson() : unigramTokenizerJson();
}

interface Layer {
  wq: Float32Array; bq: Float32Array; wk: Float32Array; bk: Float32Array; wv: Float32Array; bv: Float32Array;
  wo: Float32Array; bo: Float32Array; ln1g: Float32Array; ln1b: Float32Array;
  w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array; ln2g: Float32Array; ln2b: Float32Array;
}

export interface ScoreModelWeights {
  readonly shape: ScoreModelShape;
  readonly vocabSize: number;
  readonly word: Float32Array;
  readonly position: Float32Array;
  readonly type: Float32Array;
  readonly lnEg: Float32Array;
  readonly lnEb: Float32Array;
  readonly layers: readonly Layer[];
  readonly wp: Float32Array;
  readonly bp: Float32Array;
  readonly wc: Float32Array;
  readonly bc: Float32Array;
}

const LN_EPSILON = 1e-5;

export function randomScoreWeights(shape: ScoreModelShape, vocabSize: number): ScoreModelWeights {
  const random = mulberry32(shape.seed);
  const fill = (n: number, scale: number, offset = 0) => Float32Array.from({length: n}, () => offset + (random() * 2 - 1) * scale);
  const {hidden: h, ffn: f} = shape;
  const matrix = (rows: number, cols: number) => fill(rows * cols, Math.sqrt(3 / rows));
  return {
    shape,
    vocabSize,
    word: fill(vocabSize * h, 1),
    position: fill(shape.maxPositions * h, 0.5),
    type: fill(2 * h, 0.5),
    lnEg: fill(h, 0.1, 1),
    lnEb: fill(h, 0.1),
    layers: Array.from({length: shape.layers}, () => ({
      wq: matrix(h, h), bq: fill(h, 0.1), wk: matrix(h, h), bk: fill(h, 0.1), wv: matrix(h, h), bv: fill(h, 0.1),
      wo: matrix(h, h), bo: fill(h, 0.1), ln1g: fill(h, 0.1, 1), ln1b: fill(h, 0.1),
      w1: matrix(h, f), b1: fill(f, 0.1), w2: matrix(f, h), b2: fill(h, 0.1), ln2g: fill(h, 0.1, 1), ln2b: fill(h, 0.1)
    })),
    wp: matrix(h, h),
    bp: fill(h, 0.1),
    wc: fill(h, 2 / Math.sqrt(h)),
    bc: fill(1, 0.5)
  };
}

function graphNodes(weights: ScoreModelWeights): {nodes: OnnxNode[]; initializers: OnnxTensor[]} {
  const {hidden: h, heads, ffn: f} = weights.shape;
  const headSize = h / heads;
  const initializers: OnnxTensor[] = [];
  const nodes: OnnxNode[] = [];
  const float = (name: string, dims: number[], data: Float32Array) => (initializers.push({name, type: "float", dims, data}), name);
  const int64 = (name: string, dims: number[], values: number[]) => (initializers.push({name, type: "int64", dims, data: BigInt64Array.from(values.map(BigInt))}), name);
  const node = (op: string, inputs: string[], output: string, attributes?: OnnxNode["attributes"]) => (nodes.push({op, inputs, outputs: [output], attributes}), output);
  const linear = (x: string, w: Float32Array, b: Float32Array, rows: number, cols: number, name: string) =>
    node("Add", [node("MatMul", [x, float(`${name}.w`, [rows, cols], w)], `${name}.mm`), float(`${name}.b`, [cols], b)], name);
  const layerNorm = (x: string, g: Float32Array, b: Float32Array, name: string) =>
    node("LayerNormalization", [x, float(`${name}.g`, [h], g), float(`${name}.b`, [h], b)], name, {axis: {int: -1}, epsilon: LN_EPSILON});

  const seqLength = node("Shape", ["input_ids"], "seq_len", {start: {int: 1}, end: {int: 2}});
  const zero = int64("zero1", [1], [0]);
  const positions = node("Slice", [float("position_embeddings", [weights.shape.maxPositions, h], weights.position), zero, seqLength, zero], "positions");
  const words = node("Gather", [float("word_embeddings", [weights.vocabSize, h], weights.word), "input_ids"], "words");
  const types = node("Gather", [float("token_type_embeddings", [2, h], weights.type), "token_type_ids"], "types");
  let x = layerNorm(node("Add", [node("Add", [words, positions], "wp"), types], "emb"), weights.lnEg, weights.lnEb, "emb_ln");

  const mask = node("Cast", ["attention_mask"], "mask_f", {to: {int: 1}});
  const mask4 = node("Unsqueeze", [mask, int64("axes12", [2], [1, 2])], "mask4");
  const one = float("one", [], Float32Array.of(1));
  const bias = node("Mul", [node("Sub", [one, mask4], "inv_mask"), float("neg", [], Float32Array.of(-10000))], "mask_bias");
  const splitShape = int64("split_shape", [4], [0, 0, heads, headSize]);
  const mergeShape = int64("merge_shape", [3], [0, 0, h]);
  weights.layers.forEach((layer, i) => {
    const p = `l${i}`;
    const split = (t: string, perm: number[], name: string) => node("Transpose", [node("Reshape", [t, splitShape], `${name}.r`)], name, {perm: {ints: perm}});
    const q = split(linear(x, layer.wq, layer.bq, h, h, `${p}.q`), [0, 2, 1, 3], `${p}.qh`);
    const k = split(linear(x, layer.wk, layer.bk, h, h, `${p}.k`), [0, 2, 3, 1], `${p}.kh`);
    const v = split(linear(x, layer.wv, layer.bv, h, h, `${p}.v`), [0, 2, 1, 3], `${p}.vh`);
    const scores = node("Add", [node("Mul", [node("MatMul", [q, k], `${p}.qk`), float(`${p}.scale`, [], Float32Array.of(1 / Math.sqrt(headSize)))], `${p}.qks`), bias], `${p}.scores`);
    const probs = node("Softmax", [scores], `${p}.probs`, {axis: {int: -1}});
    const context = node("Reshape", [node("Transpose", [node("MatMul", [probs, v], `${p}.ctxh`)], `${p}.ctxt`, {perm: {ints: [0, 2, 1, 3]}}), mergeShape], `${p}.ctx`);
    x = layerNorm(node("Add", [x, linear(context, layer.wo, layer.bo, h, h, `${p}.o`)], `${p}.res1`), layer.ln1g, layer.ln1b, `${p}.ln1`);
    const up = linear(x, layer.w1, layer.b1, h, f, `${p}.up`);
    const erf = node("Erf", [node("Mul", [up, float(`${p}.rs2`, [], Float32Array.of(Math.SQRT1_2))], `${p}.upd`)], `${p}.erf`);
    const gelu = node("Mul", [node("Mul", [up, node("Add", [erf, one], `${p}.erf1`)], `${p}.g0`), float(`${p}.half`, [], Float32Array.of(0.5))], `${p}.gelu`);
    x = layerNorm(node("Add", [x, linear(gelu, layer.w2, layer.b2, f, h, `${p}.down`)], `${p}.res2`), layer.ln2g, layer.ln2b, `${p}.ln2`);
  });
  const first = node("Gather", [x, int64("first", [], [0])], "first_token", {axis: {int: 1}});
  const pooled = node("Tanh", [linear(first, weights.wp, weights.bp, h, h, "pooler")], "pooled");
  linear(pooled, weights.wc, weights.bc, h, 1, "logits");
  return {nodes, initializers};
}

export function scoreModelOnnx(weights: ScoreModelWeights): Uint8Array {
  const {nodes, initializers} = graphNodes(weights);
  const tokens = (name: string) => ({name, type: "int64" as const, shape: ["batch_size", "sequence_length"]});
  return encodeOnnxModel({
    name: "tiny-score-model",
    nodes,
    initializers,
    inputs: [tokens("input_ids"), tokens("attention_mask"), tokens("token_type_ids")],
    outputs: [{name: "logits", type: "float", shape: ["batch_size", 1]}]
  });
}

/** Writes the Optimum layout into `dir`; returns the weights for `referenceLogit`. */
export function writeScoreModel(dir: string, shape: ScoreModelShape = TINY_SCORE_MODEL): ScoreModelWeights {
  mkdirSync(dir, {recursive: true});
  const {json, vocabSize} = scoreTokenizerJson(shape.tokenizer);
  const weights = randomScoreWeights(shape, vocabSize);
  const wordpiece = shape.tokenizer === "wordpiece";
  writeFileSync(join(dir, "model.onnx"), scoreModelOnnx(weights));
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(json));
  writeFileSync(
    join(dir, "tokenizer_config.json"),
    JSON.stringify({model_max_length: shape.maxPositions, pad_token: "[PAD]", cls_token: "[CLS]", sep_token: "[SEP]", unk_token: "[UNK]"})
  );
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({
      architectures: [wordpiece ? "BertForSequenceClassification" : "DebertaV2ForSequenceClassification"],
      model_type: wordpiece ? "bert" : "deberta-v2",
      hidden_size: shape.hidden,
      num_attention_heads: shape.heads,
      num_hidden_layers: shape.layers,
      intermediate_size: shape.ffn,
      max_position_embeddings: shape.maxPositions,
      type_vocab_size: 2,
      vocab_size: vocabSize,
      pad_token_id: 0,
      id2label: {"0": "LABEL_0"},
      label2id: {LABEL_0: 0}
    })
  );
  return weights;
}

function matVec(x: Float64Array, w: Float32Array, b: Float32Array, cols: number): Float64Array {
  const out = Float64Array.from(b);
  for (let r = 0; r < x.length; r++) for (let c = 0; c < cols; c++) out[c]! += x[r]! * w[r * cols + c]!;
  return out;
}

function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26 is too coarse for 1e-4 after several layers; a series/continued fraction is exact enough.
  const t = Math.abs(x);
  if (t < 3) {
    let sum = 0;
    let term = t;
    for (let n = 0; n < 80; n++) {
      sum += term / (2 * n + 1);
      term *= (-t * t) / (n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let fraction = 0;
  for (let n = 60; n >= 1; n--) fraction = n / 2 / (t + fraction);
  return Math.sign(x) * (1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + fraction));
}

/** The model's logit for one unpadded sequence, in float64 JavaScript. */
export function referenceLogit(weights: ScoreModelWeights, inputIds: readonly number[], tokenTypeIds: readonly number[]): number {
  const {hidden: h, heads, ffn: f} = weights.shape;
  let x = inputIds.map((id, t) => {
    const row = new Float64Array(h);
    for (let j = 0; j < h; j++) row[j] = weights.word[id * h + j]! + weights.position[t * h + j]! + weights.type[tokenTypeIds[t]! * h + j]!;
    return referenceLayerNorm(row, weights.lnEg, weights.lnEb, LN_EPSILON);
  });
  for (const layer of weights.layers) {
    const q = x.map((row) => matVec(row, layer.wq, layer.bq, h));
    const k = x.map((row) => matVec(row, layer.wk, layer.bk, h));
    const v = x.map((row) => matVec(row, layer.wv, layer.bv, h));
    const contexts = referenceSelfAttention(q, k, v, heads);
    x = x.map((row, t) => {
      const context = contexts[t]!;
      const attended = matVec(context, layer.wo, layer.bo, h).map((value, j) => value + row[j]!);
      const normed = referenceLayerNorm(attended, layer.ln1g, layer.ln1b, LN_EPSILON);
      const up = matVec(normed, layer.w1, layer.b1, f).map((u) => 0.5 * u * (1 + erf(u * Math.SQRT1_2)));
      return referenceLayerNorm(matVec(up, layer.w2, layer.b2, h).map((value, j) => value + normed[j]!), layer.ln2g, layer.ln2b, LN_EPSILON);
    });
  }
  const pooled = matVec(x[0]!, weights.wp, weights.bp, h).map(Math.tanh);
  return matVec(pooled, weights.wc, weights.bc, 1)[0]!;
}
