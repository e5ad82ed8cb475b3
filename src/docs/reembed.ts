import type {CollectionIndex} from "./collection-index.js";
import type {Embedder} from "./embedder.js";

const BATCH = 64;

/**
 * Replaces every vector of a collection with `embedder`'s (h2oGPT users switch embedding models this way),
 * batch by batch; an interrupted run is finished by running it again with the same model.
 *
 * @example
 * await reembed({collection, embedder, onProgress: (done) => console.log(done)});
 */
export async function reembed(options: {
  collection: CollectionIndex;
  embedder: Embedder;
  signal?: AbortSignal;
  onProgress?: (chunksDone: number, chunksTotal: number) => void;
}): Promise<number> {
  const {collection, embedder} = options;
  const current = collection.embedding;
  if (current == null || current.digest !== embedder.identity.digest || current.dimension !== embedder.identity.dimension)
    await collection.resetEmbedding(embedder.identity);
  const total = (await collection.stats()).chunks;
  let done = 0;
  for await (const rows of collection.chunksWithoutVectors(BATCH)) {
    options.signal?.throwIfAborted();
    const vectors = await embedder.embed(
      rows.map((row) => row.content),
      options.signal
    );
    await collection.addVectors(rows.map((row, i) => ({id: row.id, vector: vectors[i]!})));
    done += rows.length;
    options.onProgress?.(done, total);
  }
  return done;
}
