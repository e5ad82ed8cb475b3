import {mkdtempSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import hf from "tokenizers";

/** GPT-2's byte -> printable character table, the alphabet of every byte-level BPE. */
export function byteLevelAlphabet(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let extra = 0;
  return Array.from({length: 256}, (_, b) => String.fromCodePoint(printable(b) ? b : 256 + extra++));
}

export const END_OF_TEXT = "<|endoftext|>";

/** The Node binding saves only to a file; read it back through a temporary one. */
function trainedJson(files: readonly string[]): {model: {merges: (string | [string, string])[]}} {
  const tokenizer = new hf.Tokenizer(hf.BPE.empty());
  tokenizer.setPreTokenizer(hf.byteLevelPreTokenizer(false, true));
  tokenizer.train([...files]);
  const dir = mkdtempSync(join(tmpdir(), "h2ogpt-bpe-"));
  try {
    tokenizer.save(join(dir, "tokenizer.json"));
    return JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8"));
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

/**
 * Trains a byte-level BPE on `files` with Hugging Face's `tokenizers` (whose Node binding trains with default
 * settings only), then keeps the first merges up to `vocabSize` tokens: <|endoftext|> (id 0), the 256 byte
 * symbols, and the merges' results in the order they were learned, which is a valid smaller BPE.
 * Returns tokenizer.json's content.
 */
export function trainByteLevelBpe(files: readonly string[], vocabSize: number): Record<string, unknown> {
  const merges = trainedJson(files).model.merges.map((m) => (typeof m === "string" ? (m.split(" ") as [string, string]) : m));
  const vocab = new Map<string, number>([[END_OF_TEXT, 0]]);
  for (const symbol of byteLevelAlphabet()) vocab.set(symbol, vocab.size);
  const kept: string[] = [];
  for (const [left, right] of merges) {
    if (vocab.size >= vocabSize) break;
    if (!vocab.has(left) || !vocab.has(right)) throw new Error(`BPE merge '${left} ${right}' uses a token outside the vocabulary`);
    if (vocab.has(left + right)) continue;
    vocab.set(left + right, vocab.size);
    kept.push(`${left} ${right}`);
  }
  if (vocab.size < vocabSize) throw new Error(`the corpus yields only ${vocab.size} tokens; ask for at most that many`);
  const byteLevel = {type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true};
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [{id: 0, content: END_OF_TEXT, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true}],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: {...byteLevel, trim_offsets: false},
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      vocab: Object.fromEntries(vocab),
      merges: kept
    }
  };
}
