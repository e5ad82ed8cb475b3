import {randomNormal, writeGguf, type GgufMetadataInput} from "../../src/gguf/index.js";

/**
 * A tiny random cross-encoder reranker GGUF, laid out as llama.cpp's converter writes a BERT reranker (an ms-marco
 * MiniLM cross-encoder; bge-reranker is the same graph with an XLM-R vocabulary): architecture `bert`,
 * `bert.pooling_type` 4 (rank), the
 * classifier head `cls.weight`/`cls.bias` (dense + tanh) and `cls.output.weight`/`cls.output.bias` (one label),
 * and a WordPiece vocabulary (`tokenizer.ggml.model` "bert", word starts spelled with U+2581 as the converter
 * rewrites them). Weights are F32 so llama.cpp computes with exactly the values the reference forward pass reads.
 */
export interface RandomRerankerOptions {
  readonly path: string;
  readonly seed?: number;
  readonly nEmbd?: number;
  readonly nHead?: number;
  readonly nFf?: number;
  readonly nLayer?: number;
  /** Position embeddings (llama.cpp's n_ctx_train): the longest input the model reads. */
  readonly contextLength?: number;
}

export interface RerankerLayerWeights {
  readonly wq: Float32Array; readonly bq: Float32Array;
  readonly wk: Float32Array; readonly bk: Float32Array;
  readonly wv: Float32Array; readonly bv: Float32Array;
  readonly wo: Float32Array; readonly bo: Float32Array;
  readonly attnNormG: Float32Array; readonly attnNormB: Float32Array;
  readonly up: Float32Array; readonly upB: Float32Array;
  readonly down: Float32Array; readonly downB: Float32Array;
  readonly outNormG: Float32Array; readonly outNormB: Float32Array;
}

/** The weights as written; matrices are row-major [out][in] (GGUF dims [in, out]). */
export interface RerankerWeights {
  readonly nEmbd: number;
  readonly nHead: number;
  readonly nFf: number;
  readonly contextLength: number;
  readonly epsilon: number;
  readonly tokens: Float32Array;
  readonly tokenTypes: Float32Array;
  readonly positions: Float32Array;
  readonly embedNormG: Float32Array;
  readonly embedNormB: Float32Array;
  readonly layers: readonly RerankerLayerWeights[];
  readonly cls: Float32Array;
  readonly clsB: Float32Array;
  readonly clsOut: Float32Array;
  readonly clsOutB: Float32Array;
}

export interface RandomReranker {
  readonly path: string;
  readonly weights: RerankerWeights;
  /** The vocabulary's pieces by id; `vocab.get(piece)` is the id. */
  readonly pieces: readonly string[];
  readonly vocab: ReadonlyMap<string, number>;
  readonly specials: {readonly pad: number; readonly unk: number; readonly cls: number; readonly sep: number; readonly mask: number};
}

const WORD_START = "\u2581";
const WORDS = [
  "what", "is", "the", "capital", "of", "france", "paris", "a", "city", "in", "europe", "who", "wrote", "book",
  "it", "was", "written", "by", "an", "author", "how", "many", "legs", "does", "spider", "have", "eight", "six",
  "reward", "model", "scores", "answers", "question", "answer", "rank", "relevant", "cat", "dog", "sat", "on",
  "mat", "and", "river", "flows", "to", "sea", "water", "cold", "warm", "sun", "moon", "night", "day", "red",
  "blue", "green", "run", "##ing"
];
const CHARACTERS = [..."abcdefghijklmnopqrstuvwxyz0123456789"];
const PUNCTUATION = [..."!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"];
/** llama.cpp's token types: normal, unknown, control. */
const NORMAL = 1;
const UNKNOWN = 2;
const CONTROL = 3;

/** Pieces as llama.cpp's converter leaves a BERT vocabulary: word starts prefixed with U+2581, `##x` as plain `x`. */
function vocabularyPieces(): {pieces: string[]; types: number[]} {
  const pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
  const types = [CONTROL, UNKNOWN, CONTROL, CONTROL, CONTROL];
  const add = (piece: string): void => {
    if (pieces.includes(piece)) return;
    pieces.push(piece);
    types.push(NORMAL);
  };
  for (const word of WORDS) add(word.startsWith("##") ? word.slice(2) : WORD_START + word);
  for (const c of [...CHARACTERS, ...PUNCTUATION]) add(WORD_START + c);
  for (const c of CHARACTERS) add(c);
  return {pieces, types};
}

/**
 * Writes the reranker and returns its weights and vocabulary for the reference forward pass.
 *
 * @example
 * const reranker = await writeRandomReranker({path: join(dir, "reranker.gguf"), seed: 1});
 */
export async function writeRandomReranker(options: RandomRerankerOptions): Promise<RandomReranker> {
  const {path, seed = 1, nEmbd = 32, nHead = 2, nFf = 64, nLayer = 2, contextLength = 48} = options;
  const {pieces, types} = vocabularyPieces();
  const nVocab = pieces.length;
  let stream = seed * 1000003;
  // Scales chosen so the logit moves by whole units between inputs: the 1e-3 comparison then means something.
  const normal = (count: number, std: number): Float32Array => randomNormal(count, std, (stream++) >>> 0);
  const around = (count: number, mean: number, std: number): Float32Array => normal(count, std).map((v) => mean + v);
  const matrix = (nIn: number, nOut: number): Float32Array => normal(nIn * nOut, 1 / Math.sqrt(nIn));
  const layers: RerankerLayerWeights[] = Array.from({length: nLayer}, () => ({
    wq: matrix(nEmbd, nEmbd), bq: normal(nEmbd, 0.1),
    wk: matrix(nEmbd, nEmbd), bk: normal(nEmbd, 0.1),
    wv: matrix(nEmbd, nEmbd), bv: normal(nEmbd, 0.1),
    wo: matrix(nEmbd, nEmbd), bo: normal(nEmbd, 0.1),
    attnNormG: around(nEmbd, 1, 0.1), attnNormB: normal(nEmbd, 0.1),
    up: matrix(nEmbd, nFf), upB: normal(nFf, 0.1),
    down: matrix(nFf, nEmbd), downB: normal(nEmbd, 0.1),
    outNormG: around(nEmbd, 1, 0.1), outNormB: normal(nEmbd, 0.1)
  }));
  const weights: RerankerWeights = {
    nEmbd, nHead, nFf, contextLength,
    epsilon: 1e-12,
    tokens: normal(nEmbd * nVocab, 1),
    tokenTypes: normal(nEmbd * 2, 1),
    positions: normal(nEmbd * contextLength, 0.5),
    embedNormG: around(nEmbd, 1, 0.1),
    embedNormB: normal(nEmbd, 0.1),
    layers,
    cls: matrix(nEmbd, nEmbd),
    clsB: normal(nEmbd, 0.1),
    clsOut: matrix(nEmbd, 1),
    clsOutB: normal(1, 0.1)
  };
  const specials = {pad: 0, unk: 1, cls: 2, sep: 3, mask: 4};
  const u32 = (value: number): GgufMetadataInput => ({type: "u32", value});
  const metadata: Record<string, GgufMetadataInput> = {
    "general.architecture": "bert",
    "general.name": "random-reranker",
    "general.file_type": u32(0),
    "bert.context_length": u32(contextLength),
    "bert.embedding_length": u32(nEmbd),
    "bert.feed_forward_length": u32(nFf),
    "bert.block_count": u32(nLayer),
    "bert.attention.head_count": u32(nHead),
    "bert.attention.layer_norm_epsilon": {type: "f32", value: weights.epsilon},
    "bert.attention.causal": false,
    "bert.pooling_type": u32(4),
    "tokenizer.ggml.model": "bert",
    "tokenizer.ggml.pre": "default",
    "tokenizer.ggml.tokens": {type: "array", value: {itemType: "string", items: pieces}},
    "tokenizer.ggml.token_type": {type: "array", value: {itemType: "i32", items: types}},
    "tokenizer.ggml.token_type_count": u32(2),
    // As gguf-py's SpecialVocab derives them from BERT's `[CLS] $A [SEP]` post-processor: bos = [CLS], eos = [SEP].
    "tokenizer.ggml.bos_token_id": u32(specials.cls),
    "tokenizer.ggml.eos_token_id": u32(specials.sep),
    "tokenizer.ggml.unknown_token_id": u32(specials.unk),
    "tokenizer.ggml.seperator_token_id": u32(specials.sep),
    "tokenizer.ggml.padding_token_id": u32(specials.pad),
    "tokenizer.ggml.cls_token_id": u32(specials.cls),
    "tokenizer.ggml.mask_token_id": u32(specials.mask)
  };
  const tensor = (name: string, dims: number[], data: Float32Array) => ({name, dims, type: "F32" as const, data});
  const tensors = [
    tensor("token_embd.weight", [nEmbd, nVocab], weights.tokens),
    tensor("token_types.weight", [nEmbd, 2], weights.tokenTypes),
    tensor("position_embd.weight", [nEmbd, contextLength], weights.positions),
    tensor("token_embd_norm.weight", [nEmbd], weights.embedNormG),
    tensor("token_embd_norm.bias", [nEmbd], weights.embedNormB),
    ...layers.flatMap((layer, i) => [
      tensor(`blk.${i}.attn_q.weight`, [nEmbd, nEmbd], layer.wq),
      tensor(`blk.${i}.attn_q.bias`, [nEmbd], layer.bq),
      tensor(`blk.${i}.attn_k.weight`, [nEmbd, nEmbd], layer.wk),
      tensor(`blk.${i}.attn_k.bias`, [nEmbd], layer.bk),
      tensor(`blk.${i}.attn_v.weight`, [nEmbd, nEmbd], layer.wv),
      tensor(`blk.${i}.attn_v.bias`, [nEmbd], layer.bv),
      tensor(`blk.${i}.attn_output.weight`, [nEmbd, nEmbd], layer.wo),
      tensor(`blk.${i}.attn_output.bias`, [nEmbd], layer.bo),
      tensor(`blk.${i}.attn_output_norm.weight`, [nEmbd], layer.attnNormG),
      tensor(`blk.${i}.attn_output_norm.bias`, [nEmbd], layer.attnNormB),
      tensor(`blk.${i}.ffn_up.weight`, [nEmbd, nFf], layer.up),
      tensor(`blk.${i}.ffn_up.bias`, [nFf], layer.upB),
      tensor(`blk.${i}.ffn_down.weight`, [nFf, nEmbd], layer.down),
      tensor(`blk.${i}.ffn_down.bias`, [nEmbd], layer.downB),
      tensor(`blk.${i}.layer_output_norm.weight`, [nEmbd], layer.outNormG),
      tensor(`blk.${i}.layer_output_norm.bias`, [nEmbd], layer.outNormB)
    ]),
    tensor("cls.weight", [nEmbd, nEmbd], weights.cls),
    tensor("cls.bias", [nEmbd], weights.clsB),
    tensor("cls.output.weight", [nEmbd, 1], weights.clsOut),
    tensor("cls.output.bias", [1], weights.clsOutB)
  ];
  await writeGguf(path, {metadata, tensors});
  return {path, weights, pieces, vocab: new Map(pieces.map((piece, id) => [piece, id])), specials};
}
