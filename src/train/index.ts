/**
 * CPU fine-tuning of llama- and gptneox-architecture models on onnxruntime (llama) or @jax-js/jax: LoRA (h2oGPT's defaults) or full fine-tuning,
 * with checkpoints, metrics and a loss chart, exporting llama.cpp LoRA adapters and merged GGUF models.
 */
export {FinetuneInterruptedError, finetune} from "./finetune.js";
export {
  ADAPTER_FILE,
  CHART_FILE,
  FINETUNE_DEFAULTS,
  METRICS_FILE,
  checkFinetuneOptions,
  MODEL_FILE,
  type FinetuneOptions,
  type FinetuneProgress,
  type FinetuneResult,
  type FinetuneRow
} from "./finetune-options.js";
export {DEFAULT_LORA_TARGET_MODULES, GPTNEOX_DEFAULT_LORA_TARGET_MODULES, LORA_MODULES} from "./lora.js";
export {LR_SCHEDULES} from "./lr-schedule.js";
export {TRAIN_BACKENDS, type TrainBackendName} from "./train-backend.js";
export {baseModelTokenizerPath, loadBaseModel, type BaseModel} from "./load-base-model.js";
export {readTrainerState, type TrainerState} from "./checkpoint.js";
export {locateCheckpoint} from "./resume.js";
export {checkLoraWeights} from "./peft-seed.js";
export {isPreparedData, readPreparedData, type TrainingData} from "./prepared-rows.js";
export {CheckpointError, TrainingDivergedError, TrainingMemoryError, UnsupportedModelError} from "./train-errors.js";
export type {LlamaConfig} from "./llama-config.js";
export type {GptNeoxConfig} from "./gptneox-config.js";
export type {ModelConfig} from "./model-config.js";
export type {TrainRow} from "./micro-batch.js";
export {readRewardPairs, REWARD_FIELDS, type RewardPairs, type RewardPairsOptions, type RewardProblem} from "./reward-data.js";
export {REWARD_POOLINGS, type RewardPooling, type RewardRow} from "./reward-batch.js";
