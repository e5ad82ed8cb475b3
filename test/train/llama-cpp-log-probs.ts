import {getLlama, type Llama} from "node-llama-cpp";

let llama: Promise<Llama> | undefined;

/**
 * llama.cpp's next-token log-probabilities at every position of `tokens`, optionally with a LoRA adapter
 * attached at context creation. Flash attention off and an F32 KV cache, so llama.cpp computes in F32 like our
 * trainer; node-llama-cpp exposes probabilities (softmax at temperature 1), whose logs are the logits up to a
 * per-position constant.
 */
export async function llamaCppLogProbs(options: {modelPath: string; tokens: readonly number[]; lora?: string}): Promise<Float64Array[]> {
  llama ??= getLlama({gpu: false, build: "never", logLevel: "error" as never});
  const model = await (await llama).loadModel({modelPath: options.modelPath});
  try {
    const context = await model.createContext({
      contextSize: Math.max(32, options.tokens.length + 1),
      threads: 1,
      flashAttention: false,
      experimentalKvCacheKeyType: "F32",
      experimentalKvCacheValueType: "F32",
      ...(options.lora == null ? {} : {lora: {adapters: [{filePath: options.lora}]}})
    });
    const vocab = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
    const sequence = context.getSequence();
    const next = {generateNext: {probabilities: true, options: {temperature: 1, topK: 0, topP: 1, minP: 0}}};
    const results = await sequence.controlledEvaluate(options.tokens.map((token) => [token, next] as const) as never);
    await context.dispose();
    return results.map((result) => {
      const logProbs = new Float64Array(vocab).fill(-Infinity);
      for (const [token, p] of (result as {next: {probabilities: Map<number, number>}}).next.probabilities) logProbs[token] = Math.log(p);
      return logProbs;
    });
  } finally {
    await model.dispose();
  }
}

/** Log-softmax of each row of [length, vocab] logits. */
export function logSoftmaxRows(logits: Float32Array, vocab: number): Float64Array[] {
  const rows: Float64Array[] = [];
  for (let start = 0; start < logits.length; start += vocab) {
    const row = logits.subarray(start, start + vocab);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    const lse = max + Math.log(sum);
    rows.push(Float64Array.from(row, (v) => v - lse));
  }
  return rows;
}

export function maxAbsDifference(a: readonly Float64Array[], b: readonly Float64Array[]): number {
  let worst = 0;
  a.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i]![j]!)))));
  return worst;
}
