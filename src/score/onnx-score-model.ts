import {readFile} from "node:fs/promises";
import {join} from "node:path";
import type {InferenceSession, Tensor} from "onnxruntime-node";
import {loadPairEncoder, type PairEncoder, type PairEncoding} from "../tokenizer/index.js";
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

/**
 * A sequence-classification model exported by Optimum (h2oGPT's OpenAssistant DeBERTa-v3 reward model, or any
 * model with inputs input_ids / attention_mask [/ token_type_ids] and output logits [batch, labels]), run by
 * onnxruntime-node on the CPU. The logit is the first label's, as h2oGPT reads `logits[0]`.
 */
export class OnnxScoreModel implements ScoreModel {
  private readonly hasTokenTypes: boolean;

  private constructor(
    readonly name: string,
    readonly maxLength: number,
    private readonly session: InferenceSession,
    private readonly encoder: PairEncoder,
    private readonly padTokenId: number,
    private readonly batchSize: number,
    private readonly TensorClass: typeof Tensor
  ) {
    this.hasTokenTypes = session.inputNames.includes("token_type_ids");
  }

  /**
   * @example
   * const model = await OnnxScoreModel.load({path: "reward-model-deberta-v3-large-v2-onnx"});
   * await model.logits([{question: "2+2?", answer: "4"}]); // [3.1]
   */
  static async load(options: OnnxScoreModelOptions): Promise<OnnxScoreModel> {
    const config = await readConfig(join(options.path, "config.json"));
    const ort = await import("onnxruntime-node");
    const modelPath = join(options.path, "model.onnx");
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelPath, {
        executionProviders: ["cpu"],
        graphOptimizationLevel: "all",
        ...(options.threads === undefined ? {} : {intraOpNumThreads: options.threads, interOpNumThreads: 1})
      });
    } catch (error) {
      throw new ScoreModelPathError(modelPath, `onnxruntime cannot load it (${(error as Error).message.split("\n")[0]})`);
    }
    for (const input of ["input_ids", "attention_mask"]) {
      if (!session.inputNames.includes(input)) {
        await session.release();
        throw new ScoreModelPathError(modelPath, `has no input '${input}' (inputs: ${session.inputNames.join(", ")}): not a sequence-classification export`);
      }
    }
    const encoder = await loadPairEncoder(options.path);
    const maxLength = encoder.tokenizer.modelMaxLength ?? config.maxPositions ?? FALLBACK_MAX_LENGTH;
    const padTokenId = encoder.tokenizer.padTokenId ?? config.padTokenId ?? 0;
    return new OnnxScoreModel(options.name ?? options.path, maxLength, session, encoder, padTokenId, options.batchSize ?? 8, ort.Tensor);
  }

  async logits(pairs: readonly ScorePair[]): Promise<number[]> {
    const encodings = pairs.map((pair) => this.encoder.encodePair(pair.question, pair.answer, {maxLength: this.maxLength}));
    // Pairs of similar length share a batch, so little of each batch is padding (a pair's logit does not depend on
    // its batch: padding is masked). The sort is stable, so equal lengths keep their order.
    const order = encodings.map((_, index) => index).sort((x, y) => encodings[x]!.inputIds.length - encodings[y]!.inputIds.length);
    const out = new Array<number>(pairs.length);
    let widest = 0;
    for (const encoding of encodings) widest = Math.max(widest, encoding.inputIds.length);
    // One buffer for every batch of this call (each run ends before the next batch is written).
    const buffer = new ArrayBuffer(3 * 8 * Math.min(this.batchSize, pairs.length) * widest);
    for (let start = 0; start < order.length; start += this.batchSize) {
      const rows = order.slice(start, start + this.batchSize);
      const logits = await this.runBatch(rows.map((index) => encodings[index]!), buffer);
      rows.forEach((index, k) => (out[index] = logits[k]!));
    }
    return out;
  }

  /** One padded batch (right padding: pad ids, mask 0, type 0), the first logit of each row. */
  private async runBatch(batch: readonly PairEncoding[], buffer: ArrayBuffer): Promise<number[]> {
    let width = 0;
    for (const encoding of batch) width = Math.max(width, encoding.inputIds.length);
    const size = batch.length * width;
    // The three inputs side by side in `buffer`, written as the low 32-bit halves of the int64s (ids are small and
    // non-negative; onnxruntime-node runs only on little-endian CPUs): converting every id to a BigInt cost more
    // than a tiny model's forward pass. The high halves stay 0.
    const words = new Int32Array(buffer, 0, 6 * size);
    const pad = this.padTokenId;
    for (let row = 0; row < batch.length; row++) {
      const {inputIds, tokenTypeIds} = batch[row]!;
      let at = 2 * row * width;
      for (let k = 0; k < inputIds.length; k++, at += 2) {
        words[at] = inputIds[k]!;
        words[at + 2 * size] = 1;
        words[at + 4 * size] = tokenTypeIds[k]!;
      }
      for (let k = inputIds.length; k < width; k++, at += 2) {
        words[at] = pad;
        words[at + 2 * size] = 0;
        words[at + 4 * size] = 0;
      }
    }
    const ids = new BigInt64Array(buffer, 0, size);
    const mask = new BigInt64Array(buffer, 8 * size, size);
    const types = new BigInt64Array(buffer, 16 * size, size);
    const shape = [batch.length, width];
    const feeds: Record<string, Tensor> = {
      input_ids: new this.TensorClass("int64", ids, shape),
      attention_mask: new this.TensorClass("int64", mask, shape)
    };
    if (this.hasTokenTypes) feeds.token_type_ids = new this.TensorClass("int64", types, shape);
    let result: InferenceSession.OnnxValueMapType;
    try {
      result = await this.session.run(feeds);
    } catch (error) {
      throw new ScoreModelRunError(this.name, batch.length, (error as Error).message.split("\n")[0]!, {cause: error});
    }
    const logits = (result.logits ?? result[this.session.outputNames[0]!]) as Tensor;
    const data = logits.data as Float32Array;
    const labels = data.length / batch.length;
    return batch.map((_, row) => data[row * labels]!);
  }

  async dispose(): Promise<void> {
    await this.session.release();
    await this.encoder.dispose();
  }
}
