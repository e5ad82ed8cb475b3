import {readGgufFileInfo} from "node-llama-cpp";

/**
 * A Llama-2-style tokenizer.json built from a SentencePiece GGUF vocabulary (tokens, scores, token types) the way
 * transformers' LlamaConverter builds one from tokenizer.model: every way to split a piece into two pieces
 * becomes a merge, ranked by the whole piece's score (stable order otherwise). It gives the tests and the
 * benchmark a real 32,000-token SentencePiece BPE without downloading anything.
 */

interface SentencePieceVocabulary {
  readonly tokens: readonly string[];
  readonly scores: readonly number[];
  readonly tokenTypes: readonly number[];
}

/** GGUF token types: 2 unknown, 3 control. */
const SPECIAL_TYPES = new Set([2, 3]);
const SPACE = "\u2581";

async function readVocabulary(ggufPath: string): Promise<SentencePieceVocabulary> {
  const info = await readGgufFileInfo(ggufPath, {readTensorInfo: false, logWarnings: false});
  const ggml = (info.metadata as unknown as {tokenizer: {ggml: {model: string; tokens: string[]; scores: number[]; token_type: number[]}}}).tokenizer.ggml;
  if (ggml.model !== "llama") throw new Error(`${ggufPath}: not a SentencePiece (llama) vocabulary`);
  return {tokens: ggml.tokens, scores: ggml.scores, tokenTypes: ggml.token_type};
}

function mergesOf({tokens, scores}: SentencePieceVocabulary, vocab: ReadonlyMap<string, number>): string[] {
  const merges: {left: string; right: string; score: number}[] = [];
  tokens.forEach((piece, id) => {
    const local: {left: string; right: string; score: number}[] = [];
    for (let cut = 1; cut < piece.length; cut++) {
      const left = piece.slice(0, cut);
      const right = piece.slice(cut);
      if (vocab.has(left) && vocab.has(right)) local.push({left, right, score: scores[id]!});
    }
    local.sort((a, b) => vocab.get(a.left)! - vocab.get(b.left)! || vocab.get(a.right)! - vocab.get(b.right)!);
    merges.push(...local);
  });
  return merges.sort((a, b) => b.score - a.score).map(({left, right}) => `${left} ${right}`);
}

export interface SentencePieceBpeJsonOptions {
  readonly vocab: Readonly<Record<string, number>>;
  /** `"left right"`, highest priority first. */
  readonly merges: readonly string[];
  readonly addedTokens: readonly object[];
  readonly byteFallback?: boolean;
}

/**
 * The tokenizer.json transformers writes for SentencePiece converted to BPE (LlamaConverter): a prepended "▁"
 * and "▁" for spaces, a BOS template, BPE over characters with byte fallback and unknown-token fusing, and the
 * Llama decoder chain.
 */
export function sentencePieceBpeJson({vocab, merges, addedTokens, byteFallback = true}: SentencePieceBpeJsonOptions): object {
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: {type: "Sequence", normalizers: [{type: "Prepend", prepend: SPACE}, {type: "Replace", pattern: {String: " "}, content: SPACE}]},
    pre_tokenizer: null,
    post_processor: {
      type: "TemplateProcessing",
      single: [{SpecialToken: {id: "<s>", type_id: 0}}, {Sequence: {id: "A", type_id: 0}}],
      pair: [{SpecialToken: {id: "<s>", type_id: 0}}, {Sequence: {id: "A", type_id: 0}}, {SpecialToken: {id: "<s>", type_id: 1}}, {Sequence: {id: "B", type_id: 1}}],
      special_tokens: {"<s>": {id: "<s>", ids: [vocab["<s>"]], tokens: ["<s>"]}}
    },
    decoder: {
      type: "Sequence",
      decoders: [
        {type: "Replace", pattern: {String: SPACE}, content: " "},
        {type: "ByteFallback"},
        {type: "Fuse"},
        {type: "Strip", content: " ", start: 1, stop: 0}
      ]
    },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: "<unk>",
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: byteFallback,
      vocab,
      merges
    }
  };
}

export async function llamaTokenizerJson(ggufPath: string): Promise<object> {
  const vocabulary = await readVocabulary(ggufPath);
  const vocab = new Map(vocabulary.tokens.map((token, id) => [token, id]));
  const special = vocabulary.tokens.flatMap((content, id) =>
    SPECIAL_TYPES.has(vocabulary.tokenTypes[id]!) ? [{id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true}] : []
  );
  return sentencePieceBpeJson({vocab: Object.fromEntries(vocab), merges: mergesOf(vocabulary, vocab), addedTokens: special});
}
