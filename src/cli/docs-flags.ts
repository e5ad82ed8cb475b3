import {resolve} from "node:path";
import {PgDatabase, resolveDbUrl} from "../db/index.js";
import {
  CollectionManager,
  createEmbedder,
  createTesseractOcr,
  DEFAULT_PERSIST_DIRECTORY,
  LLM_MODE,
  pgCollections,
  sqliteCollections,
  type CollectionBackend,
  type CollectionScope,
  type Embedder
} from "../docs/index.js";
import {UsageError} from "../errors/index.js";
import {
  DOCS_ORDERING_TYPES,
  DOCS_TOKEN_HANDLINGS,
  DOCUMENT_SUBSETS,
  LANGCHAIN_ACTIONS,
  type DocsOrderingType,
  type DocsTokenHandling,
  type DocumentOptions,
  type DocumentSubset,
  type LangchainAction
} from "../generate/index.js";
import {LOCAL_USER} from "../server/index.js";
import type {FlagDefs, ParsedFlags} from "./args.js";
import type {CommandIo} from "./command.js";
import {localModel, MODEL_CACHE_FLAGS, type ModelCacheFlags} from "./model-flags.js";

/** Where the document commands find collections, with h2oGPT's names. */
export const COLLECTION_FLAGS = {
  langchain_mode: {kind: "string", description: "the collection: UserData (shared), MyData (yours) or a collection name", defaultText: "UserData"},
  persist_directory: {kind: "string", description: "folder holding the collections' databases", defaultText: DEFAULT_PERSIST_DIRECTORY},
  embedding_model: {
    kind: "string",
    description: "a GGUF embedding model (file, hf:OWNER/REPO:QUANT or URL) for vectors and hybrid ranking",
    defaultText: "none: BM25 full-text search"
  },
  db_url: {
    kind: "string",
    description: "PostgreSQL database holding the collections (postgres://user:password@host/db, also H2OGPT_DB_URL), as h2ogpt serve --db_url",
    defaultText: "none: SQLite files under --persist_directory"
  },
  ...MODEL_CACHE_FLAGS
} as const satisfies FlagDefs;

/** What ingest and retrieve share besides the collection: the embedding model's threads and JSON output. */
export const DOCS_COMMAND_FLAGS = {
  ...COLLECTION_FLAGS,
  n_threads: {kind: "number", description: "llama.cpp threads for the embedding model", defaultText: "1"},
  json: {kind: "boolean", description: "print one JSON object on stdout"}
} as const satisfies FlagDefs;

/** How generate answers from documents, with h2oGPT's names and defaults. */
export const DOCUMENT_QA_FLAGS = {
  langchain_mode: {kind: "string", description: "answer from this collection (UserData, MyData or a name); LLM = no documents", defaultText: "LLM"},
  persist_directory: COLLECTION_FLAGS.persist_directory,
  db_url: COLLECTION_FLAGS.db_url,
  embedding_model: COLLECTION_FLAGS.embedding_model,
  langchain_action: {kind: "string", description: `what to do with the documents: ${LANGCHAIN_ACTIONS.join(", ")}`, defaultText: "Query"},
  top_k_docs: {kind: "number", description: "chunks to retrieve; -1 = as many as fit (Summarize/Extract: all)", defaultText: "10 for Query"},
  docs_ordering_type: {kind: "string", description: `order of chunks in the prompt: ${DOCS_ORDERING_TYPES.join(", ")}`, defaultText: "best_near_prompt"},
  docs_token_handling: {kind: "string", description: `a chunk that does not fit: ${DOCS_TOKEN_HANDLINGS.join(" (cut to fit), ")} (dropped)`, defaultText: "split_or_merge"},
  docs_joiner: {kind: "string", description: "text between chunks in the prompt", defaultText: "a blank line"},
  pre_prompt_query: {kind: "string", description: "text before the documents of a Query", defaultText: "h2oGPT's"},
  prompt_query: {kind: "string", description: "text after the documents of a Query, before the question", defaultText: "h2oGPT's"},
  pre_prompt_summary: {kind: "string", description: "text before the documents of a Summarize/Extract", defaultText: "h2oGPT's"},
  prompt_summary: {kind: "string", description: "text after the documents of a Summarize/Extract", defaultText: "h2oGPT's"},
  use_llm_if_no_docs: {kind: "boolean", description: "answer from the model alone (and say so) when no document matches", defaultText: "True"},
  document_subset: {kind: "string", description: `${DOCUMENT_SUBSETS.join(", ")} (the last two list sources without asking the model)`, defaultText: "Relevant"},
  document_choice: {kind: "list", description: "only documents with this source (repeatable)"},
  keep_sources_in_context: {kind: "boolean", description: "--cli: keep the sources block in the chat history", defaultText: "False"}
} as const satisfies FlagDefs;

type CollectionFlags = ParsedFlags<typeof COLLECTION_FLAGS>;
type DocumentQaFlags = ParsedFlags<typeof DOCUMENT_QA_FLAGS>;

/** A command-line user is the same user an open (no-auth) server serves, so both see the same MyData. */
export function collectionScopeFromFlags(flags: Pick<CollectionFlags, "persist_directory">, io: Pick<CommandIo, "cwd">): CollectionScope {
  return {persistDirectory: resolve(io.cwd, flags.persist_directory ?? DEFAULT_PERSIST_DIRECTORY), user: LOCAL_USER};
}

/**
 * Where the collections are: the PostgreSQL database of --db_url (or H2OGPT_DB_URL), opened for this command and
 * closed with the backend, else the SQLite files under --persist_directory.
 */
export async function collectionBackendFromFlags(
  flags: Pick<CollectionFlags, "db_url">,
  io: Pick<CommandIo, "env">
): Promise<CollectionBackend & {close(): Promise<void>}> {
  const url = resolveDbUrl({flag: flags.db_url, env: io.env.H2OGPT_DB_URL});
  if (url == null) return {...sqliteCollections, close: async () => undefined};
  return pgCollections(await PgDatabase.open({url, poolSize: 4}), {ownsDatabase: true});
}

export function collectionNameFromFlags(flags: Pick<CollectionFlags, "langchain_mode">): string {
  return flags.langchain_mode ?? "UserData";
}

/** An integer flag in [min, max], or undefined when absent; anything else is a usage error naming the flag. */
export function integerFlag(name: string, value: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value != null && (!Number.isInteger(value) || value < min || value > max))
    throw new UsageError(`--${name}: expected an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? "" : ` to ${max}`}, got ${value}`);
  return value;
}

/** The embedder for --embedding_model (a remote one downloaded into --models_dir first), or undefined without one. */
export async function embedderFromFlags(
  flags: Pick<CollectionFlags, "embedding_model"> & ModelCacheFlags,
  io: Pick<CommandIo, "cwd" | "env" | "stderr" | "signal">,
  threads?: number,
  command = "ingest"
): Promise<Embedder | undefined> {
  if (flags.embedding_model == null || flags.embedding_model === "") return undefined;
  const threadCount = integerFlag("n_threads", threads, 1);
  const model = await localModel(flags.embedding_model, "embedding_model", flags, io, command);
  return createEmbedder({modelPath: model.path, threads: threadCount});
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value == null) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name}: expected one of ${allowed.join(", ")}, got '${value}'`);
  return value as T;
}

/**
 * The document Q&A settings from the flags, checked, or undefined for langchain_mode LLM (no documents). The
 * collection must exist (UserData and MyData always do): another name is a usage error listing those there are.
 */
export async function documentQaFromFlags(
  flags: DocumentQaFlags & ModelCacheFlags,
  io: Pick<CommandIo, "cwd" | "env" | "stderr" | "signal">,
  threads?: number
): Promise<{options: Omit<DocumentOptions, "retriever">; manager: CollectionManager; retriever: DocumentOptions["retriever"]} | undefined> {
  const name = flags.langchain_mode;
  if (name == null || name === LLM_MODE || name === "Disabled") return undefined;
  const options: Omit<DocumentOptions, "retriever"> = {
    langchainMode: name,
    langchainAction: oneOf<LangchainAction>("langchain_action", flags.langchain_action, LANGCHAIN_ACTIONS),
    topKDocs: flags.top_k_docs == null || flags.top_k_docs === -1 ? flags.top_k_docs : integerFlag("top_k_docs", flags.top_k_docs, 1),
    docsOrderingType: oneOf<DocsOrderingType>("docs_ordering_type", flags.docs_ordering_type, DOCS_ORDERING_TYPES),
    docsTokenHandling: oneOf<DocsTokenHandling>("docs_token_handling", flags.docs_token_handling, DOCS_TOKEN_HANDLINGS),
    docsJoiner: flags.docs_joiner,
    prePromptQuery: flags.pre_prompt_query,
    promptQuery: flags.prompt_query,
    prePromptSummary: flags.pre_prompt_summary,
    promptSummary: flags.prompt_summary,
    useLlmIfNoDocs: flags.use_llm_if_no_docs,
    documentSubset: oneOf<DocumentSubset>("document_subset", flags.document_subset, DOCUMENT_SUBSETS),
    documentChoice: flags.document_choice
  };
  const scope = collectionScopeFromFlags(flags, io);
  const backend = await collectionBackendFromFlags(flags, io);
  const manager = new CollectionManager({persistDirectory: scope.persistDirectory, backend, embedder: await embedderFromFlags(flags, io, threads, "generate"), ocr: createTesseractOcr()});
  try {
    return {options, manager, retriever: await manager.retriever(scope.user, name)};
  } catch (error) {
    await manager.close();
    throw error;
  }
}
