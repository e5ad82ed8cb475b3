import type {LlamaContext, LlamaModel} from "node-llama-cpp";

/**
 * The calls of node-llama-cpp's native binding the batch decoder makes: node-llama-cpp's own decode loop makes the
 * same ones (LlamaContext.js, `decodeTokenBatchItems`). Internal API of the exactly pinned node-llama-cpp 3.21.1;
 * the engine's model tests fail if an upgrade changes it.
 */
export interface ContextBinding {
  initBatch(size: number): void;
  /** Positions from `firstPosition`; returns the batch indexes of the tokens at `logitIndexes`. */
  addToBatch(sequenceId: number, firstPosition: number, tokens: Uint32Array, logitIndexes: Uint32Array): Uint32Array;
  decodeBatch(): Promise<void>;
  /** The token sampled from the logits at that batch index; -1 when it fails. */
  sampleToken(batchIndex: number, sampler: SamplerBinding): Promise<number>;
  /** llama_memory_seq_rm: cells of positions [start, end), end -1 meaning all after start; false when it cannot. */
  removeTokenCellsFromSequence(sequenceId: number, start: number, end: number): boolean;
}

/** The fields of node-llama-cpp's sampler configuration the engine sets (AddonSampler::ApplyConfig). */
export interface SamplerConfig {
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  readonly minP: number;
  readonly seed: number;
  readonly repeatPenalty?: number;
  readonly repeatPenaltyMaxTokens?: number;
  readonly repeatPenaltyTokens?: Uint32Array;
  readonly repeatPenaltyPresencePenalty?: number;
  readonly repeatPenaltyFrequencyPenalty?: number;
  readonly tokenBiasKeys?: Uint32Array;
  readonly tokenBiasValues?: Float32Array;
}

export interface SamplerBinding {
  applyConfig(config: SamplerConfig): void;
  dispose(): void;
}

interface Internals {
  readonly _ctx: ContextBinding;
  readonly _llama: {readonly _bindings: {readonly AddonSampler: new (model: unknown) => SamplerBinding}};
}

/** The native context under a node-llama-cpp context. */
export function contextBinding(context: LlamaContext): ContextBinding {
  return (context as unknown as Internals)._ctx;
}

/** A native sampler (llama.cpp's sampler chain) for the model. */
export function createSampler(model: LlamaModel): SamplerBinding {
  const internals = model as unknown as {readonly _llama: Internals["_llama"]; readonly _model: unknown};
  return new internals._llama._bindings.AddonSampler(internals._model);
}
