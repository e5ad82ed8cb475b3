import {DEFAULT_TOP_K_DOCS, retrieve} from "../docs/index.js";
import {UsageError} from "../errors/index.js";
import {sourceFields} from "../generate/index.js";
import {defineCommand} from "./command.js";
import {collectionBackendFromFlags, collectionNameFromFlags, collectionScopeFromFlags, DOCS_COMMAND_FLAGS, embedderFromFlags, integerFlag} from "./docs-flags.js";

export const retrieveCommand = defineCommand({
  name: "retrieve",
  summary: "find the chunks of a collection that best answer a question (BM25, or hybrid with an embedding model)",
  usage: [
    "h2ogpt retrieve --langchain_mode=UserData --query=\"How many vacation days carry over?\" [--top_k_docs=10] [--json]",
    "With --json: {\"sources\": [{\"source\", \"page\", \"chunk_id\", \"score\", \"content\"}, ...]}, best first, score in [0, 1]."
  ],
  flags: {
    ...DOCS_COMMAND_FLAGS,
    query: {kind: "string", description: "the question", aliases: ["instruction"]},
    top_k_docs: {kind: "number", description: "how many chunks to return", defaultText: String(DEFAULT_TOP_K_DOCS)},
    document_choice: {kind: "list", description: "only chunks from this source (repeatable)"}
  },
  async run({flags, positionals}, io) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (give the question as --query)`);
    if (flags.query == null || flags.query.trim() === "") throw new UsageError("--query is required");
    const topK = integerFlag("top_k_docs", flags.top_k_docs, 1, 10_000);
    const backend = await collectionBackendFromFlags(flags, io);
    const collection = await backend.open(collectionScopeFromFlags(flags, io), collectionNameFromFlags(flags)).catch(async (error: unknown) => {
      await backend.close();
      throw error;
    });
    try {
      const embedder = await embedderFromFlags(flags, io, flags.n_threads, "retrieve");
      const sources = await retrieve({collection, query: flags.query, topK, embedder, sources: flags.document_choice, signal: io.signal}).finally(
        () => embedder?.close()
      );
      if (embedder == null && collection.embedding != null)
        io.stderr.write(`note: ${collectionNameFromFlags(flags)} has vectors from ${collection.embedding.name}; pass --embedding_model to rank with them too\n`);
      if (flags.json) {
        const body = sources.map(sourceFields);
        io.stdout.write(JSON.stringify({sources: body}) + "\n");
        return;
      }
      if (sources.length === 0) {
        io.stdout.write("no matching chunks\n");
        return;
      }
      const lines = sources.map((hit, rank) => {
        const where = [hit.source, hit.page == null ? "" : `page ${hit.page}`, `chunk ${hit.chunkId}`].filter(Boolean).join("  ");
        const excerpt = hit.content.replace(/\s+/g, " ").slice(0, 240);
        return `${rank + 1}. ${hit.score.toFixed(3)}  ${where}\n   ${excerpt}`;
      });
      io.stdout.write(lines.join("\n") + "\n");
    } finally {
      collection.close();
      await backend.close();
    }
  }
});
