import {createHash} from "node:crypto";
import {open, stat} from "node:fs/promises";
import {basename} from "node:path";
import {createEngine, type Engine} from "../engine/index.js";
import {InputFileError} from "../errors/index.js";
import type {EmbeddingIdentity} from "./document-collection.js";

/** Turns texts into vectors with one model; its identity is stored with a collection so every vector agrees. */
export interface Embedder {
  readonly identity: EmbeddingIdentity;
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/** Bytes read from each end of the model file for its digest: enough to tell models apart without reading gigabytes. */
const DIGEST_SPAN = 8 * 1024 * 1024;

/** A digest of the file's size, head and tail: a renamed or moved copy keeps it, another model does not. */
export async function modelDigest(path: string): Promise<string> {
  const {size} = await stat(path);
  const hash = createHash("sha256").update(String(size));
  const file = await open(path, "r");
  try {
    const spans = size <= 2 * DIGEST_SPAN ? [[0, size]] : [[0, DIGEST_SPAN], [size - DIGEST_SPAN, DIGEST_SPAN]];
    for (const [position, length] of spans) {
      const buffer = Buffer.alloc(length!);
      await file.read(buffer, 0, length!, position!);
      hash.update(buffer);
    }
  } finally {
    await file.close();
  }
  return hash.digest("hex").slice(0, 32);
}

/**
 * An embedder over a llama.cpp GGUF (node-llama-cpp's embedding context, `threads` as the engine's), or over an
 * engine the caller already has.
 *
 * @example
 * const embedder = await createEmbedder({modelPath: "bge-small.gguf", threads: 2});
 * const [vector] = await embedder.embed(["What is h2oGPT?"]);
 */
export async function createEmbedder(options: {modelPath: string; threads?: number; engine?: Engine}): Promise<Embedder> {
  const digest = await modelDigest(options.modelPath).catch((error: Error) => {
    throw new InputFileError(options.modelPath, `cannot read the embedding model: ${error.message}`, {cause: error});
  });
  const engine = options.engine ?? (await createEngine({baseModel: options.modelPath, threads: options.threads}));
  const owned = options.engine == null;
  if (engine.embed == null) {
    if (owned) await engine.close();
    throw new InputFileError(options.modelPath, "this model gives no embeddings");
  }
  const embedTexts = engine.embed.bind(engine);
  const probe = await embedTexts(["dimension"]);
  const identity: EmbeddingIdentity = {name: basename(options.modelPath), digest, dimension: probe.vectors[0]!.length};
  return {
    identity,
    async embed(texts, signal) {
      const {vectors} = await embedTexts(texts, signal);
      return vectors.map((vector) => Float32Array.from(vector));
    },
    async close() {
      if (owned) await engine.close();
    }
  };
}
