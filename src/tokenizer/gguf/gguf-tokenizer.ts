import type {LlamaModel, Token} from "node-llama-cpp";
import {InputFileError} from "../../errors/index.js";
import {readGguf} from "../../gguf/index.js";
import {pieceBytes, utf8FromPieces} from "../piece-bytes.js";
import {offsetsFromPieces} from "../piece-offsets.js";
import {UnknownTokenIdError} from "../tokenizer-errors.js";
import type {DecodeOptions, EncodeOptions, EncodingWithOffsets} from "../tokenizer.js";
import {TokenizerBase} from "../tokenizer-base.js";
import {loadVocabOnly} from "./vocab-only-llama.js";

export {releaseVocabRuntime} from "./vocab-only-llama.js";

/** GGUF's tokenizer.ggml.token_type values. */
const TOKEN_TYPE_CONTROL = 3;
/** tokenizer.ggml.model values whose token strings we can read back into text. */
const SPELLINGS: Readonly<Record<string, "byte-level" | "sentencepiece">> = {gpt2: "byte-level", llama: "sentencepiece"};

interface GgufTokenizerMetadata {
  readonly general?: {readonly architecture?: string};
  readonly tokenizer?: {
    readonly chat_template?: string;
    readonly ggml?: {
      readonly model?: string;
      readonly tokens?: readonly string[];
      readonly token_type?: readonly number[];
      readonly padding_token_id?: number;
      readonly add_space_prefix?: boolean;
    };
  };
  readonly [architecture: string]: unknown;
}

/**
 * The vocabulary inside a GGUF file, tokenized by llama.cpp itself (so ids are exactly what the model is fed in
 * generation). Offsets come from laying the token pieces over the text.
 */
export class GgufTokenizer extends TokenizerBase {
  readonly backend = "llama.cpp" as const;

  private readonly tokens: readonly string[];
  private readonly tokenTypes: readonly number[];
  /** How token strings spell text: GPT-2 bytes, SentencePiece, or another scheme left to llama.cpp. */
  private readonly spelling: "byte-level" | "sentencepiece" | undefined;
  private readonly addSpacePrefix: boolean;

  constructor(
    path: string,
    private readonly model: LlamaModel,
    warnings: readonly string[]
  ) {
    const metadata = model.fileInfo.metadata as unknown as GgufTokenizerMetadata;
    const ggml = metadata.tokenizer?.ggml;
    if (!Array.isArray(ggml?.tokens)) throw new InputFileError(path, "GGUF has no tokenizer.ggml.tokens: it holds no vocabulary");
    const tokens = ggml.tokens;
    const tokenTypes = ggml.token_type ?? [];
    const tokenOf = (id: Token | null | number | undefined) => (id == null ? undefined : tokens[id as number]);
    const architecture = metadata.general?.architecture;
    const section = architecture === undefined ? undefined : (metadata[architecture] as {context_length?: number} | undefined);
    super(path, {
      vocabSize: tokens.length,
      specialTokens: tokens.flatMap((content, id) => (tokenTypes[id] === TOKEN_TYPE_CONTROL ? [{id, content}] : [])),
      bosTokenId: model.tokens.bos ?? undefined,
      bosToken: tokenOf(model.tokens.bos),
      eosTokenId: model.tokens.eos ?? undefined,
      eosToken: tokenOf(model.tokens.eos),
      padTokenId: ggml.padding_token_id,
      padToken: tokenOf(ggml.padding_token_id),
      modelMaxLength: section?.context_length || undefined,
      chatTemplate: metadata.tokenizer?.chat_template,
      warnings
    });
    this.tokens = tokens;
    this.tokenTypes = tokenTypes;
    this.spelling = SPELLINGS[ggml.model ?? ""];
    this.addSpacePrefix = ggml.add_space_prefix ?? true;
  }

  encode(text: string, options?: EncodeOptions): number[] {
    const ids = this.model.tokenize(text, options?.recognizeSpecialTokens ?? true) as number[];
    if (!(options?.addSpecialTokens ?? true)) return ids;
    return [...this.prefixIds(), ...ids, ...this.suffixIds()];
  }

  encodeWithOffsets(text: string, options?: EncodeOptions): EncodingWithOffsets {
    const core = this.model.tokenize(text, options?.recognizeSpecialTokens ?? true) as number[];
    const withSpecials = options?.addSpecialTokens ?? true;
    const prefix = withSpecials ? this.prefixIds() : [];
    const suffix = withSpecials ? this.suffixIds() : [];
    const pieces = [...prefix.map(() => undefined), ...core.map((id) => this.piece(id)), ...suffix.map(() => undefined)];
    return {ids: [...prefix, ...core, ...suffix], offsets: offsetsFromPieces(text, pieces)};
  }

  decode(ids: readonly number[], options?: DecodeOptions): string {
    for (const id of ids) if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new UnknownTokenIdError(id, this.vocabSize);
    const kept = options?.skipSpecialTokens ? ids.filter((id) => this.tokenTypes[id] !== TOKEN_TYPE_CONTROL) : ids;
    if (this.spelling === undefined) return this.model.detokenize(kept as Token[], !(options?.skipSpecialTokens ?? false));
    // From the pieces rather than llama.cpp's detokenize, which cleans up spaces (`"  " + "?"` gives " ?")
    // and so loses text; this is byte-exact and matches HF's decoders (SentencePiece drops one leading space).
    const text = utf8FromPieces(kept.map((id) => this.piece(id)));
    return this.spelling === "sentencepiece" && this.addSpacePrefix && text.startsWith(" ") ? text.slice(1) : text;
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }

  private prefixIds(): number[] {
    const bos = this.model.tokens.bos;
    return this.model.tokens.shouldPrependBosToken && bos != null ? [bos] : [];
  }

  private suffixIds(): number[] {
    const eos = this.model.tokens.eos;
    return this.model.tokens.shouldAppendEosToken && eos != null ? [eos] : [];
  }

  /** The text bytes a token stands for; a vocabulary of another spelling is read as SentencePiece's. */
  private piece(id: number): Uint8Array {
    return pieceBytes(this.tokens[id] ?? "", this.spelling === "byte-level" ? "byte-level" : "sentencepiece");
  }
}

export async function loadGgufTokenizer(path: string): Promise<GgufTokenizer> {
  // node-llama-cpp 3.21.1 waits forever on a header that claims more data than the file holds: the gguf stage's
  // reader refuses such a file first, with a one-line reason, as the engine's loader does.
  await readGguf(path);
  let loaded;
  try {
    loaded = await loadVocabOnly(path);
  } catch (error) {
    throw new InputFileError(path, `llama.cpp cannot read this GGUF's vocabulary (${(error as Error).message.split("\n")[0]})`);
  }
  try {
    return new GgufTokenizer(path, loaded.model, loaded.warnings.map((warning) => `llama.cpp: ${warning}`));
  } catch (error) {
    await loaded.model.dispose();
    throw error;
  }
}
