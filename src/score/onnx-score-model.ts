import {readFile} from "node:fs/promises";
import {join} from "node:path";
import {loadPairEncoder, type PairEncoder, type PairEncoding} from "../tokenizer/index.js";
import {OnnxSessionThread, type SessionBatch} from "./onnx-session-thread.js";
import {ScoreModelPathError, ScoreModelRunError} from "./score-errors.js";
import type {ScorePair, ScoreModel} from "./score-types.js";

export interface OnnxScoreModelOptions {
  /** A folder in Hugging Face Optimum's layout: model.onnx, tokenizer.json (+ tokenizer_config.json), config.json. */
  readonly path: string;
  /** onnxruntime's intra-op threads (default: onnxruntime's own choice, one per core). */
  readonly threads?: number;
  /** Pairs run together in one padded batch (default 8). */
  readonly batchSize?: number;
  /** Shown to users (default: the path). */
  readonly name?: string;
}

/** h2oGPT's own default when a model states no length (DeBERTa-v3's model_max_length). */
const FALLBACK_MAX_LENGTH = 512;

interface ModelConfig {
  readonly maxPositions?: number;
  readonly padTokenId?: number;
}

async function readConfig(path: string): Promise<ModelConfig> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new ScoreModelPathError(path, `cannot read config.json (${(error as Error).message})`);
  }
  const number = (field: string) => (typeof json[field] === "number" && Number.isInteger(json[field]) ? (json[field] as number) : undefined);
  return {maxPositions: number("max_position_embeddings"), padTokenId: number("pad_token_id")};
}

function textLength(pair: ScorePair): number {
  return pair.question.length + pair.answer.length;
}

/**
 * Pairs encoded at a time: the thread runs one window's batches while the next is encoded, and the event loop gets
 * a turn between windows.
 */
const WINDOW = 128;

/**
 * A sequence-classification model exported by Optimum (h2oGPT's OpenAssistant DeBERTa-v3 reward model, or any
 * model with inputs input_ids / attention_mask [/ token_type_ids] and output logits [batch, labels]), run by
 * onnxruntime-node on the CPU, on a thread of its own (OnnxSessionThread). The logit is the first label's, as h2oGPT
 * reads `logits[0]`.
 */
export class OnnxScoreModel implements ScoreModel {
  private constructor(
    readonly name: string,
    readonly maxLength: number,
    private readonly thread: OnnxSessionThread,
    private readonly encoder: PairEncoder,
    private readonly padTokenId: number,
    private readonly batchSize: number
  ) {}

  /**
   * @example
   * const model = await OnnxScoreModel.load({path: "reward-model-deberta-v3-large-v2-onnx"});
   * await model.logits([{question: "2+2?", answer: "4"}]); // [3.1]
   */
  static async load(options: OnnxScoreModelOptions): Promise<OnnxScoreModel> {
    const config = await readConfig(join(options.path, "config.json"));
    const modelPath = join(options.path, "model.onnx");
    let thread: OnnxSessionThread;
    try {
      thread = await OnnxSessionThread.start({modelPath, threads: options.threads});
    } catch (error) {
      throw new ScoreModelPathError(modelPath, `onnxruntime cannot load it (${(error as Error).message})`);
    }
    for (const input of ["input_ids", "attention_mask"]) {
      if (!thread.inputNames.includes(input)) {
        await thread.close();
        throw new ScoreModelPathError(modelPath, `has no input '${input}' (inputs: ${thread.inputNames.join(", ")}): not a sequence-classification export`);
      }
    }
    let encoder: PairEncoder;
    try {
      encoder = await loadPairEncoder(options.path);
    } catch (error) {
      await thread.close();
      throw error;
    }
    const maxLength = encoder.tokenizer.modelMaxLength ?? config.maxPositions ?? FALLBACK_MAX_LENGTH;
    const padTokenId = encoder.tokenizer.padTokenId ?? config.padTokenId ?? 0;
    return new OnnxScoreModel(options.name ?? options.path, maxLength, thread, encoder, padTokenId, options.batchSize ?? 8);
  }

  async logits(pairs: readonly ScorePair[]): Promise<number[]> {
    // So little of a batch is padding, pairs of similar length share one: windows of pairs taken in order of
    // character length (which needs no encoding, so each window goes to onnxruntime's thread as soon as it is
    // encoded), each sorted by token count (on real text 0.4% more padding than sorting every pair by token count,
    // against 4% by characters alone). A pair's logit does not depend on its batch: padding is masked.
    const byText = pairs.map((_, index) => index).sort((x, y) => textLength(pairs[x]!) - textLength(pairs[y]!));
    const runs: {rows: number[]; logits: Promise<Float64Array>}[] = [];
    try {
      // The first window is one batch, so the thread starts while the rest is encoded.
      for (let start = 0, size = this.batchSize; start < byText.length; start += size, size = WINDOW) {
        if (start > 0) await new Promise(setImmediate);
        const window = byText.slice(start, start + size).map((index) => ({index, encoding: this.encoder.encodePair(pairs[index]!.question, pairs[index]!.answer, {maxLength: this.maxLength})}));
        window.sort((x, y) => x.encoding.inputIds.length - y.encoding.inputIds.length);
        const batches: SessionBatch[] = [];
        for (let first = 0; first < window.length; first += this.batchSize) batches.push(this.padded(window.slice(first, first + this.batchSize).map((item) => item.encoding)));
        runs.push({rows: window.map((item) => item.index), logits: this.thread.run(batches)});
      }
    } catch (error) {
      await Promise.allSettled(runs.map((run) => run.logits));
      throw error;
    }
    const results = await Promise.allSettled(runs.map((run) => run.logits));
    const out = new Array<number>(pairs.length);
    results.forEach((result, k) => {
      const {rows} = runs[k]!;
      if (result.status === "rejected") throw new ScoreModelRunError(this.name, rows.length, (result.reason as Error).message, {cause: result.reason});
      rows.forEach((index, row) => (out[index] = result.value[row]!));
    });
    return out;
  }

  /**
   * One padded batch (right padding: pad ids, mask 0, type 0): the three int64 inputs side by side in one buffer,
   * written as the low 32-bit halves (ids are small and non-negative; onnxruntime-node runs only on little-endian
   * CPUs): converting every id to a BigInt cost more than a tiny model's forward pass. The high halves stay 0.
   */
  private padded(batch: readonly PairEncoding[]): SessionBatch {
    let width = 0;
    for (const encoding of batch) width = Math.max(width, encoding.inputIds.length);
    const size = batch.length * width;
    const buffer = new ArrayBuffer(3 * 8 * size);
    const words = new Int32Array(buffer);
    const pad = this.padTokenId;
    for (let row = 0; row < batch.length; row++) {
      const {inputIds, tokenTypeIds} = batch[row]!;
      let at = 2 * row * width;
      for (let k = 0; k < inputIds.length; k++, at += 2) {
        words[at] = inputIds[k]!;
        words[at + 2 * size] = 1;
        words[at + 4 * size] = tokenTypeIds[k]!;
      }
      for (let k = inputIds.length; k < width; k++, at += 2) words[at] = pad;
    }
    return {buffer, rows: batch.length, width};
  }

  async dispose(): Promise<void> {
    await this.thread.close();
    await this.encoder.dispose();
  }
}
