/**
 * What the trainer needs from a tensor runtime. Parameters, gradients and optimizer state stay in plain
 * Float32Arrays on our side, so the optimizer, checkpoints and GGUF export never depend on the runtime and
 * another backend only has to implement this interface.
 */

/** A padded micro-batch, row-major [batchSize, length]. */
export interface MicroBatch {
  readonly batchSize: number;
  readonly length: number;
  readonly tokens: Int32Array;
  /** The token each position must predict (labels shifted left); any valid id where `lossMask` is 0. */
  readonly targets: Int32Array;
  /** 1 where the position counts in the loss, else 0 (-100 labels, padding, each row's last position). */
  readonly lossMask: Float32Array;
}

export interface LossAndGrads {
  /** Sum of the masked cross-entropy over the micro-batch (divide by `tokens` for the mean). */
  readonly lossSum: number;
  readonly tokens: number;
  /** d(lossSum)/d(param) for every trainable parameter. */
  readonly grads: ReadonlyMap<string, Float32Array>;
}

export interface ModelBackend {
  /** Replaces the trainable parameters' values (after each optimizer step). */
  setTrainable(values: ReadonlyMap<string, Float32Array>): Promise<void>;
  /** Forward and backward on one micro-batch; `dropoutSeed` enables LoRA dropout. */
  lossAndGrads(batch: MicroBatch, options?: {dropoutSeed?: number}): Promise<LossAndGrads>;
  /** Forward only, without dropout. */
  loss(batch: MicroBatch): Promise<{lossSum: number; tokens: number}>;
  /** Logits [length, vocab] for one sequence. */
  logits(tokens: Int32Array): Promise<Float32Array>;
  /** Frees native memory; awaited, so nothing native is still finishing when the process exits. */
  dispose(): Promise<void>;
}
