/** One (question, answer) pair to score, as h2oGPT's score model reads it. */
export interface ScorePair {
  readonly question: string;
  readonly answer: string;
}

/**
 * A reward model: reads (question, answer) pairs and returns one raw logit per pair (the score is its sigmoid).
 * Backends: ONNX sequence classification (onnxruntime-node), our own GGUF reward model (scalar head), a GGUF
 * reranker (llama.cpp rank pooling).
 */
export interface ScoreModel {
  /** Where the model came from (path or "default"), shown to users. */
  readonly name: string;
  /** The most tokens one pair may have; h2oGPT cuts question and answer to their last `4 * maxLength` chars first. */
  readonly maxLength: number;
  /** One logit per pair, in order. Rejects with a typed error when the model cannot run. */
  logits(pairs: readonly ScorePair[]): Promise<number[]>;
  dispose(): Promise<void>;
}
