import {H2oGptError, InputFileError} from "../errors/index.js";

/** `--score_model=PATH` names nothing the score stage can load; the message says what is missing. */
export class ScoreModelPathError extends InputFileError {}

/** A score model that loaded but failed on a batch (onnxruntime or llama.cpp error). */
export class ScoreModelRunError extends H2oGptError {
  constructor(
    readonly modelName: string,
    readonly batchSize: number,
    reason: string,
    options?: {cause?: unknown}
  ) {
    super(`score model ${modelName}: scoring ${batchSize} pair(s) failed (${reason})`, options);
  }
}
