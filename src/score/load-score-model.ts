import {existsSync, statSync} from "node:fs";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {ggufMetadataValue, POOLING_TYPE, poolingTypeKey, readGguf, REWARD_HEAD_KEY} from "../gguf/index.js";
import {isGgufFile} from "../gguf/index.js";
import {ScoreModelPathError} from "./score-errors.js";
import type {ScoreModel} from "./score-types.js";

/** `models/` of the installed package (src/score and dist/score sit at the same depth). */
const PACKAGE_MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "models");
export const DEFAULT_SCORE_MODEL_FILE = "h2ogpt-ts-reward.gguf";

/**
 * The reward model the package ships (`--score_model=default`): models/h2ogpt-ts-reward.gguf.
 *
 * @example
 * defaultScoreModelPath(); // ".../node_modules/h2ogpt-ts/models/h2ogpt-ts-reward.gguf"
 */
export function defaultScoreModelPath(modelsDir: string = PACKAGE_MODELS_DIR): string {
  return join(modelsDir, DEFAULT_SCORE_MODEL_FILE);
}

export interface LoadScoreModelOptions {
  /**
   * What `--score_model` names: `default` (the shipped reward model), a folder in Optimum's ONNX layout
   * (model.onnx + tokenizer.json + config.json), a GGUF reward model written by `h2ogpt finetune --reward`, or a
   * GGUF reranker (pooling type rank).
   */
  readonly path: string;
  /** CPU threads for the backend. */
  readonly threads?: number;
  /** Pairs per batch (ONNX backend). */
  readonly batchSize?: number;
}

async function loadGguf(path: string, options: LoadScoreModelOptions, name: string): Promise<ScoreModel> {
  const file = await readGguf(path);
  if (ggufMetadataValue(file, REWARD_HEAD_KEY) !== undefined) {
    const {loadGgufRewardModel} = await import("./gguf-reward-model.js");
    return loadGgufRewardModel({path, threads: options.threads, name});
  }
  const architecture = ggufMetadataValue(file, "general.architecture");
  const pooling = typeof architecture === "string" ? ggufMetadataValue(file, poolingTypeKey(architecture)) : undefined;
  if (pooling === POOLING_TYPE.rank) {
    const {RankScoreModel} = await import("./rank-score-model.js");
    return RankScoreModel.load({path, threads: options.threads, name});
  }
  throw new ScoreModelPathError(path, `a GGUF with neither a reward head (${REWARD_HEAD_KEY}) nor rank pooling: not a score model (a chat model cannot score)`);
}

/**
 * A score model chosen from what `path` is; every failure is one line naming the path and what is missing.
 *
 * @example
 * const model = await loadScoreModel({path: "reward-model-deberta-v3-large-v2-onnx"});
 * const [logit] = await model.logits([{question: "What is 2+2?", answer: "4"}]);
 * await model.dispose();
 */
export async function loadScoreModel(options: LoadScoreModelOptions): Promise<ScoreModel> {
  if (options.path === "") throw new ScoreModelPathError("--score_model", "empty: scoring is disabled, nothing to load");
  const path = options.path === "default" ? defaultScoreModelPath() : options.path;
  const name = options.path;
  if (!existsSync(path)) {
    const what = options.path === "default" ? "the shipped reward model is missing (run npm run train:default-reward)" : "no such file or directory";
    throw new ScoreModelPathError(path, what);
  }
  if (statSync(path).isDirectory()) {
    const missing = ["model.onnx", "tokenizer.json", "config.json"].filter((file) => !existsSync(join(path, file)));
    if (missing.length > 0) {
      throw new ScoreModelPathError(path, `not a score model folder: missing ${missing.join(", ")} (expected Optimum's ONNX export of a sequence-classification model)`);
    }
    const {OnnxScoreModel} = await import("./onnx-score-model.js");
    return OnnxScoreModel.load({path, threads: options.threads, batchSize: options.batchSize, name});
  }
  if (await isGgufFile(path)) return loadGguf(path, options, name);
  throw new ScoreModelPathError(path, "not a score model: give a folder with model.onnx, tokenizer.json and config.json, a GGUF reward model or reranker, or 'default'");
}
