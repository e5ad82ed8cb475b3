import {resolve} from "node:path";
import {createTesseractOcr, ingest, reembed, type CollectionBackend, type IngestSummary} from "../docs/index.js";
import {UsageError} from "../errors/index.js";
import {defineCommand} from "./command.js";
import {collectionBackendFromFlags, collectionNameFromFlags, collectionScopeFromFlags, DOCS_COMMAND_FLAGS, embedderFromFlags, integerFlag} from "./docs-flags.js";
import {createProgress} from "./progress.js";

export const ingestCommand = defineCommand({
  name: "ingest",
  summary: "add documents (files, folders, archives, URLs) to a collection for document Q&A; list, delete, purge",
  usage: [
    "h2ogpt ingest --langchain_mode=UserData docs/ handbook.pdf notes.zip",
    "h2ogpt ingest --langchain_mode=MyData --embedding_model=bge-small.gguf report.docx",
    "h2ogpt ingest --langchain_mode=wiki --text_column=text --source_columns=url,title wiki.parquet",
    "h2ogpt ingest --langchain_mode=UserData --list | --delete=SOURCE | --purge",
    "Formats: text, Markdown, reStructuredText, source code, HTML, MHTML, PDF (OCR for pages without text), DOCX,",
    "PPTX, XLSX, ODT, ODS, EPUB, EML, CSV/TSV (a document per row), JSON, JSONL, Parquet datasets, images (OCR),",
    "zip/tar/gz archives. Unchanged files are skipped; changed files replace their chunks; a run cut short is",
    "finished by running it again. Exit 0 when every file was ingested or unchanged, 1 when some failed (listed)."
  ],
  flags: {
    ...DOCS_COMMAND_FLAGS,
    chunk_size: {kind: "number", description: "chunk size in characters", defaultText: "512"},
    chunk_overlap: {kind: "number", description: "characters shared by neighbouring chunks", defaultText: "0"},
    chunk_size_tokens: {kind: "number", description: "chunk size in tokens of --tokenizer instead of characters"},
    tokenizer: {kind: "string", description: "tokenizer for --chunk_size_tokens: tokenizer.json, its folder or a GGUF"},
    allow_urls: {kind: "boolean", description: "fetch http(s) URLs given as inputs (public addresses only)"},
    text_column: {kind: "string", description: "datasets (Parquet/JSONL/CSV): the column holding each row's text", defaultText: "text"},
    source_columns: {kind: "string", description: "datasets: comma-separated columns naming a row's source", defaultText: "url,title,id"},
    remove_missing: {kind: "boolean", description: "for folder inputs, delete documents whose files are gone"},
    reembed: {kind: "boolean", description: "replace the collection's vectors with --embedding_model's"},
    list: {kind: "boolean", description: "list the collection's documents"},
    delete: {kind: "list", description: "delete a document or file by its source (repeatable)"},
    purge: {kind: "boolean", description: "delete the whole collection"}
  },
  async run({flags, positionals}, io) {
    const scope = collectionScopeFromFlags(flags, io);
    const name = collectionNameFromFlags(flags);
    const actions = [flags.list, flags.delete != null, flags.purge, flags.reembed].filter(Boolean).length;
    if (actions > 1) throw new UsageError("give one of --list, --delete, --purge and --reembed");
    if (actions === 1 && positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' with --list, --delete, --purge or --reembed`);
    if (actions === 0 && positionals.length === 0) throw new UsageError("nothing to ingest: give files, folders or URLs (see --help)");
    const chunkSize = integerFlag("chunk_size", flags.chunk_size, 1);
    const chunkOverlap = integerFlag("chunk_overlap", flags.chunk_overlap, 0);
    const chunkSizeTokens = integerFlag("chunk_size_tokens", flags.chunk_size_tokens, 1);
    if (chunkSizeTokens != null && flags.tokenizer == null) throw new UsageError("--chunk_size_tokens needs --tokenizer");
    const size = chunkSizeTokens ?? chunkSize ?? 512;
    if ((chunkOverlap ?? 0) >= size) throw new UsageError(`--chunk_overlap (${chunkOverlap}) must be smaller than the chunk size (${size})`);

    const backend = await collectionBackendFromFlags(flags, io);
    try {
      return await runWith(backend);
    } finally {
      await backend.close();
    }

    async function runWith(backend: CollectionBackend): Promise<number | void> {
      if (flags.purge) {
        const existed = await backend.remove(scope, name);
        write(io, flags.json, {purged: name, existed}, existed ? `purged collection ${name}` : `collection ${name} was empty`);
        return;
      }
      const collection = await backend.open(scope, name, {create: actions === 0 || flags.reembed === true});
      try {
        if (flags.list) {
          const documents = await collection.documents();
          const lines = documents.map((document) => `${document.source}  ${document.format}  ${document.chunks} chunks  ${document.textChars} chars`);
          write(io, flags.json, {langchain_mode: name, documents}, [...lines, `${documents.length} documents in ${name}`].join("\n"));
          return;
        }
        if (flags.delete != null) {
          let missing = 0;
          for (const source of flags.delete) {
            const removed = (await collection.deleteSource(source)) || (await collection.deleteSource(resolve(io.cwd, source)));
            if (removed === 0) {
              missing++;
              io.stderr.write(`h2ogpt ingest: no document or file '${source}' in ${name}\n`);
            } else io.stderr.write(`deleted ${source} (${removed} document${removed === 1 ? "" : "s"})\n`);
          }
          return missing > 0 ? 1 : 0;
        }
        const embedder = await embedderFromFlags(flags, io, flags.n_threads);
        if (flags.reembed) {
          if (embedder == null) throw new UsageError("--reembed needs --embedding_model");
          const progress = createProgress({stream: io.stderr, label: "re-embed", unit: "chunks"});
          try {
            const done = await reembed({collection, embedder, signal: io.signal, onProgress: (count, total) => progress.update(count, `of ${total}`)});
            progress.finish();
            write(io, flags.json, {langchain_mode: name, reembedded: done}, `re-embedded ${done} chunks of ${name} with ${embedder.identity.name}`);
          } finally {
            await embedder.close();
          }
          return;
        }
        const lengthOf =
          chunkSizeTokens == null ? undefined : await tokenCounter(resolve(io.cwd, flags.tokenizer!));
        const progress = createProgress({stream: io.stderr, label: "ingest", unit: "MB"});
        const started = performance.now();
        let summary: IngestSummary;
        try {
          summary = await ingest({
            collection,
            inputs: positionals,
            cwd: io.cwd,
            chunkSize: size,
            chunkOverlap,
            lengthOf,
            embedder,
            ocr: createTesseractOcr(),
            dataset: {
              textColumn: flags.text_column,
              sourceColumns: flags.source_columns?.split(",").map((column) => column.trim()).filter(Boolean)
            },
            allowUrls: flags.allow_urls,
            removeMissing: flags.remove_missing,
            exclude: [scope.persistDirectory],
            signal: io.signal,
            onProgress(state) {
              const seconds = Math.max(performance.now() - started, 1) / 1000;
              progress.update(
                megabytes(state.bytesDone),
                `of ${megabytes(state.bytesTotal)} MB  files ${state.filesDone}/${state.filesTotal}  chunks ${state.chunks} (${Math.round(state.chunks / seconds)}/s)`
              );
            }
          });
        } finally {
          progress.finish();
          await embedder?.close();
        }
        const stats = await collection.stats();
        write(io, flags.json, {langchain_mode: name, persist_path: collection.path, ...summaryJson(summary), collection: stats}, formatSummary(name, summary));
        return summary.failureCount > 0 ? 1 : 0;
      } finally {
        collection.close();
      }
    }
  }
});

async function tokenCounter(path: string): Promise<(text: string) => number> {
  const {loadTokenizer} = await import("../tokenizer/index.js");
  const tokenizer = await loadTokenizer(path);
  return (text) => tokenizer.count(text);
}

function megabytes(bytes: number): number {
  return Math.round(bytes / 1e5) / 10;
}

function summaryJson(summary: IngestSummary): Record<string, unknown> {
  return {
    added: summary.added,
    updated: summary.updated,
    unchanged: summary.unchanged,
    failed: summary.failed,
    removed: summary.removed,
    documents: summary.documents,
    chunks: summary.chunks,
    bytes: summary.bytes,
    text_chars: summary.textChars,
    seconds: Number(summary.seconds.toFixed(3)),
    failures: summary.failures,
    failure_count: summary.failureCount
  };
}

function formatSummary(name: string, summary: IngestSummary): string {
  const lines = [
    `${name}: ${summary.added} added, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.failed} failed` +
      (summary.removed > 0 ? `, ${summary.removed} removed` : "") +
      `; ${summary.documents} documents, ${summary.chunks} chunks, ${(summary.bytes / 1e6).toFixed(1)} MB in ${summary.seconds.toFixed(1)} s`
  ];
  if (summary.failureCount > 0) {
    lines.push(`could not ingest ${summary.failureCount}:`);
    for (const failure of summary.failures) lines.push(`  ${failure.source}: ${failure.reason}`);
    if (summary.failureCount > summary.failures.length) lines.push(`  ... and ${summary.failureCount - summary.failures.length} more`);
  }
  return lines.join("\n");
}

/** Results go to stdout (JSON with --json); progress and per-item notes go to stderr. */
function write(io: {stdout: NodeJS.WritableStream}, json: boolean | undefined, value: unknown, text: string): void {
  io.stdout.write((json ? JSON.stringify(value) : text) + "\n");
}
