import {float16BitsToFloat32, float32ToFloat16Bits} from "../../src/gguf/index.js";
import {referenceLayerNorm, referenceSelfAttention} from "./reference-math.js";
import type {RandomReranker, RerankerWeights} from "./write-random-reranker.js";

/**
 * An independent plain-TypeScript reading of llama.cpp's WordPiece tokenizer and BERT rank graph
 * (src/llama-vocab.cpp llm_tokenizer_wpm_session, src/models/bert.cpp, llm_graph_context::build_pooling), for the
 * random rerankers of write-random-reranker.ts.
 */

const WORD_START = "\u2581";

/**
 * llama.cpp's WPM tokenizer for ASCII text: lowercase, split at whitespace, every punctuation or symbol character
 * its own word, then per word the longest vocabulary pieces from the left, starting with the U+2581 form; a word
 * that cannot be covered is one [UNK].
 */
export function referenceWordPiece(reranker: RandomReranker, text: string): number[] {
  const words = text.toLowerCase().split(/\s+/).flatMap((chunk) => chunk.split(/([!-/:-@[-`{-~])/)).filter((word) => word !== "");
  const out: number[] = [];
  const longest = Math.max(...reranker.pieces.map((piece) => piece.length));
  for (const word of words) {
    const spelled = WORD_START + word;
    const ids: number[] = [];
    let i = 0;
    while (i < spelled.length) {
      let j = Math.min(spelled.length, i + longest);
      while (j > i && !reranker.vocab.has(spelled.slice(i, j))) j--;
      if (j === i) break;
      ids.push(reranker.vocab.get(spelled.slice(i, j))!);
      i = j;
    }
    out.push(...(i === spelled.length ? ids : [reranker.specials.unk]));
  }
  return out;
}

/** What node-llama-cpp's ranking context evaluates for a model with bos, eos and sep: `[CLS] q [SEP] [SEP] d [SEP]`. */
export function referenceRankInput(reranker: RandomReranker, query: readonly number[], document: readonly number[]): number[] {
  const {cls, sep} = reranker.specials;
  return [cls, ...query, sep, sep, ...document, sep];
}

const GELU_COEF_A = 0.044715;
const SQRT_2_OVER_PI = 0.7978845608028654;

const toHalf = (x: number): number => float16BitsToFloat32(float32ToFloat16Bits(x));

/** ggml's CPU GELU: the tanh form, read from a table indexed by the input rounded to F16 and itself stored as F16. */
function ggmlGelu(x: number): number {
  if (x <= -10) return 0;
  if (x >= 10) return x;
  const h = toHalf(x);
  return toHalf(0.5 * h * (1 + Math.tanh(SQRT_2_OVER_PI * h * (1 + GELU_COEF_A * h * h))));
}

function matVec(x: ArrayLike<number>, w: Float32Array, b: Float32Array, nOut: number): Float64Array {
  const nIn = x.length;
  const out = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) {
    let sum = b[o]!;
    for (let i = 0; i < nIn; i++) sum += w[o * nIn + i]! * x[i]!;
    out[o] = sum;
  }
  return out;
}

/**
 * The rank logit llama.cpp computes for `ids` (one sequence, token type 0 throughout as llama.cpp hardcodes it,
 * positions from 0), in float64: embeddings + LayerNorm, post-norm layers (bidirectional attention, GELU FFN),
 * the first token's state through `cls` + tanh and `cls.output`.
 */
export function referenceRankLogit(weights: RerankerWeights, ids: readonly number[]): number {
  const {nEmbd: h, nHead, nFf, epsilon} = weights;
  let x = ids.map((id, t) => {
    const row = new Float64Array(h);
    for (let j = 0; j < h; j++) row[j] = weights.tokens[id * h + j]! + weights.tokenTypes[j]! + weights.positions[t * h + j]!;
    return referenceLayerNorm(row, weights.embedNormG, weights.embedNormB, epsilon);
  });
  for (const layer of weights.layers) {
    const q = x.map((row) => matVec(row, layer.wq, layer.bq, h));
    const k = x.map((row) => matVec(row, layer.wk, layer.bk, h));
    const v = x.map((row) => matVec(row, layer.wv, layer.bv, h));
    const context = referenceSelfAttention(q, k, v, nHead);
    x = x.map((row, t) => {
      const attended = context[t]!;
      const residual = matVec(attended, layer.wo, layer.bo, h).map((value, j) => value + row[j]!);
      const normed = referenceLayerNorm(residual, layer.attnNormG, layer.attnNormB, epsilon);
      const up = matVec(normed, layer.up, layer.upB, nFf).map(ggmlGelu);
      return referenceLayerNorm(matVec(up, layer.down, layer.downB, h).map((value, j) => value + normed[j]!), layer.outNormG, layer.outNormB, epsilon);
    });
  }
  const pooled = matVec(x[0]!, weights.cls, weights.clsB, h).map(Math.tanh);
  return matVec(pooled, weights.clsOut, weights.clsOutB, 1)[0]!;
}
