/**
 * Child process for the threaded-vs-single-threaded test: a few full fine-tuning steps of a small model with
 * the number of kernel threads given as argv[2]; prints the losses and a gradient checksum as JSON.
 */
import {JaxLlamaBackend} from "../../src/train/jax/jax-llama-backend.js";
import {loadJax} from "../../src/train/jax/load-jax.js";
import {threadMessagesPosted} from "../../src/train/jax/worker-shim.js";
import {initLlamaWeights} from "../../src/train/init-llama.js";
import {llamaTensorSpecs, type LlamaConfig} from "../../src/train/llama-config.js";
import {toMicroBatch} from "../../src/train/micro-batch.js";
import {Random} from "../../src/train/random.js";

const threads = Number(process.argv[2]);
const runtime = await loadJax({threads});
const config: LlamaConfig = {
  vocabSize: 512, embeddingLength: 128, blockCount: 2, feedForwardLength: 256, headCount: 4, headCountKv: 2,
  contextLength: 64, rmsNormEps: 1e-5, ropeFreqBase: 10000, attentionScale: 0, tiedEmbeddings: true
};
const weights = initLlamaWeights(config, new Random(1));
const shapes = new Map<string, readonly number[]>(llamaTensorSpecs(config).map((s) => [s.name, s.shape]));
const backend = new JaxLlamaBackend({runtime, config, frozen: new Map(), trainable: weights, shapes, jit: true});
const random = new Random(2);
const rows = Array.from({length: 4}, () => {
  const ids = Array.from({length: 64}, () => Math.floor(random.next() * config.vocabSize));
  return {inputIds: ids, labels: ids.map((id, t) => (t < 16 ? -100 : id))};
});
const losses: number[] = [];
let checksum = 0;
for (let step = 0; step < 3; step++) {
  const result = await backend.lossAndGrads(toMicroBatch(rows));
  losses.push(result.lossSum / result.tokens);
  for (const [name, grad] of result.grads) {
    const value = weights.get(name)!;
    for (let i = 0; i < value.length; i++) value[i] -= (0.5 * grad[i]!) / result.tokens;
    if (step === 2) for (let i = 0; i < grad.length; i += 97) checksum += grad[i]!;
  }
  await backend.setTrainable(weights);
}
process.stdout.write(JSON.stringify({threads: runtime.threads, messages: threadMessagesPosted(), losses, checksum}) + "\n");
