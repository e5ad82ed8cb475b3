import {H2oGptError, UsageError} from "../errors/index.js";

/** A base model the trainer cannot train (another architecture, quantized tensors, unsupported options). */
export class UnsupportedModelError extends UsageError {
  constructor(
    readonly path: string,
    reason: string
  ) {
    super(`${path}: ${reason}`);
  }
}

/** A checkpoint folder that is missing, incomplete or from another run. */
export class CheckpointError extends UsageError {
  constructor(
    readonly path: string,
    reason: string,
    options?: {cause?: unknown}
  ) {
    super(`${path}: ${reason}`, options);
  }
}

/** Training produced a non-finite loss (exploding learning rate, bad data); carries the step it happened at. */
export class TrainingDivergedError extends H2oGptError {
  constructor(readonly step: number, readonly loss: number) {
    super(`training diverged at step ${step}: loss is ${loss}; lower --learning_rate or check the data`);
  }
}

/**
 * The model and micro-batch did not fit: jax-js addresses at most 4 GiB of WebAssembly memory, and the onnxruntime
 * backend refuses a step whose estimated size exceeds its share of RAM (`limit` says which).
 */
export class TrainingMemoryError extends H2oGptError {
  constructor(readonly microBatchSize: number, readonly length: number, options?: {cause?: unknown; limit?: string}) {
    super(
      `out of memory: a micro-batch of ${microBatchSize} rows of up to ${length} tokens needs more than ${options?.limit ?? "the 4 GiB of WebAssembly memory"}; ` +
        "lower --micro_batch_size or --cutoff_len, or raise --pad_to_multiple_of so fewer batch shapes are kept",
      {cause: options?.cause}
    );
  }
}
