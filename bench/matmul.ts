/**
 * bench/matmul: the matrix products of one bench:train step (width 256, MLP 1024, vocab 8192, 8 x 256 tokens),
 * forward (x W^T), backward to the input (dY W) and to the weight (dY^T x), on jax-js's wasm backend (what the
 * trainer runs) and on onnxruntime-node's CPU MatMul/Gemm (a native GEMM the trainer could call), in the same
 * process and thread count. Prints GFLOP/s per product and the ratio; decides whether a native GEMM behind
 * src/train/model-backend.ts would pay.
 *
 *   npx tsx bench/matmul.ts [--threads=1] [--repeats=7]
 */
import type {Array as JaxArray} from "@jax-js/jax";
import {loadJax} from "../src/train/jax/load-jax.js";
import {encodeOnnxModel} from "../src/onnx/index.js";

const args = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, "").split("=") as [string, string]));
const threads = Number(args.threads ?? 1);
const repeats = Number(args.repeats ?? 7);
const N = 8 * 256;

/** [label, rows of A, inner, columns of the product, transA, transB]: A (or A^T) times B (or B^T). */
const products: [string, number, number, number, boolean, boolean][] = [
  ["attn x W^T      2048x256 . 256x256", N, 256, 256, false, true],
  ["mlp up x W^T    2048x256 . 256x1024", N, 256, 1024, false, true],
  ["mlp down x W^T  2048x1024 . 1024x256", N, 1024, 256, false, true],
  ["head x E^T      2048x256 . 256x8192", N, 256, 8192, false, true],
  ["dX = dY W (up)  2048x1024 . 1024x256", N, 1024, 256, false, false],
  ["dW = dY^T x     1024x2048 . 2048x256", 1024, N, 256, true, false],
  ["dX head dY E    2048x8192 . 8192x256", N, 8192, 256, false, false],
  ["dE = dY^T x     8192x2048 . 2048x256", 8192, N, 256, true, false]
];

function random(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeIt(run: () => Promise<void>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return median(times);
}

const runtime = await loadJax({threads});
const np = runtime.jax.numpy;
const ort = await import("onnxruntime-node");

console.log(`bench:matmul, ${threads} thread(s), median of ${repeats}; GFLOP/s (jax-js wasm | onnxruntime CPU | ratio)`);
let jaxTotal = 0;
let ortTotal = 0;
for (const [label, m, k, n, transA, transB] of products) {
  const aShape = transA ? [k, m] : [m, k];
  const bShape = transB ? [n, k] : [k, n];
  const a = random(m * k, 1);
  const b = random(k * n, 2);
  const flops = 2 * m * k * n;

  const spec = `${transA ? "ki" : "ik"},${transB ? "jk" : "kj"}->ij`;
  const product = runtime.jax.jit((x: JaxArray, y: JaxArray) => np.einsum(spec, x, y));
  const aj = np.array(a).reshape(aShape);
  const bj = np.array(b).reshape(bShape);
  const jaxMs = await timeIt(async () => {
    // Uploading and reading back are part of what a step pays per product on either side.
    const out = product(aj.ref, bj.ref);
    await out.data();
  });
  aj.dispose();
  bj.dispose();

  const model = encodeOnnxModel({
    name: "gemm",
    nodes: [{op: "Gemm", inputs: ["A", "B"], outputs: ["Y"], attributes: {transA: {int: transA ? 1 : 0}, transB: {int: transB ? 1 : 0}}}],
    initializers: [],
    inputs: [
      {name: "A", type: "float", shape: aShape},
      {name: "B", type: "float", shape: bShape}
    ],
    outputs: [{name: "Y", type: "float", shape: [m, n]}]
  });
  const session = await ort.InferenceSession.create(model, {executionProviders: ["cpu"], intraOpNumThreads: threads, interOpNumThreads: 1});
  const feeds = {A: new ort.Tensor("float32", a, aShape), B: new ort.Tensor("float32", b, bShape)};
  const ortMs = await timeIt(async () => {
    await session.run(feeds);
  });
  await session.release();

  jaxTotal += jaxMs;
  ortTotal += ortMs;
  const gflops = (ms: number) => (flops / ms / 1e6).toFixed(1).padStart(6);
  console.log(`${label.padEnd(38)} ${gflops(jaxMs)} | ${gflops(ortMs)} | ${(jaxMs / ortMs).toFixed(2)}x`);
}
console.log(`all products: jax-js ${jaxTotal.toFixed(1)} ms, onnxruntime ${ortTotal.toFixed(1)} ms, ${(jaxTotal / ortTotal).toFixed(2)}x`);
