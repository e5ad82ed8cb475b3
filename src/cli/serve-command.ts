import {statSync} from "node:fs";
import {basename, resolve} from "node:path";
import {PgDatabase, PgvectorMissingError, redactDbUrl, resolveDbUrl} from "../db/index.js";
import {checkCollectionName, CollectionManager, createEmbedder, createTesseractOcr, DEFAULT_PERSIST_DIRECTORY, pgCollections} from "../docs/index.js";
import {checkGenerateOptions, createEngine, isRemoteModel, modelsDirectory, PREBUILT_BINARY_NOTICE, type Engine} from "../engine/index.js";
import {UsageError} from "../errors/index.js";
import {PROMPT_TYPES, resolvePromptType} from "../prompts/index.js";
import {
  checkBindPolicy,
  DEFAULT_HOST,
  DEFAULT_PORT,
  engineModel,
  type ModelAdminOptions,
  makeHistoryDbFolder,
  parseTrustedProxies,
  startServer,
  type SeedSummary,
  type ServedModel
} from "../server/index.js";
import type {FlagDefs} from "./args.js";
import {defineCommand, type CommandIo} from "./command.js";
import {localModel, withLocalModels, type ModelCacheFlags} from "./model-flags.js";
import {ENGINE_FLAGS, engineOptionsFromFlags, GENERATION_FLAGS, generationParamsFromFlags, PROMPT_FLAGS, promptOptionsFromFlags} from "./engine-flags.js";
import {openScoreModel, SCORE_FLAGS} from "./score-flags.js";
import type {ScoreModel} from "../score/index.js";

/** Generations at once per llama.cpp model unless --concurrency says otherwise: each sequence holds its own KV cache. */
const DEFAULT_LLAMA_SEQUENCES = 2;

// Beam search and several answers per request are per-request choices (`n` in the OpenAI API), not server-wide ones.
const {num_beams: _numBeams, num_return_sequences: _numReturnSequences, ...SERVE_GENERATION_FLAGS} = GENERATION_FLAGS;

const SERVE_FLAGS = {
  host: {kind: "string", description: "address to listen on", defaultText: DEFAULT_HOST, aliases: ["server_name"]},
  port: {kind: "number", description: "port to listen on (0 picks a free one)", defaultText: String(DEFAULT_PORT), aliases: ["server_port"]},
  auth: {kind: "string", description: "users file in h2oGPT's auth.json form; plain passwords are hashed in place on first load", aliases: ["auth_filename"]},
  api_keys: {kind: "string", description: "file of API keys, one per line, for Authorization: Bearer (also H2OGPT_API_KEYS, comma-separated)", aliases: ["h2ogpt_api_keys"]},
  prune_users: {
    kind: "boolean",
    description: "with --db_url: remove from the database the users (keys) that --auth (--api_keys, H2OGPT_API_KEYS) do not list; without it the files only add and update"
  },
  allow_insecure_public: {kind: "boolean", description: "allow a non-loopback --host without --auth or API keys"},
  history_db: {kind: "string", description: "SQLite file for chat history and login sessions", defaultText: "h2ogpt_history.db"},
  db_url: {
    kind: "string",
    description: "PostgreSQL database (postgres://user:password@host/db, also H2OGPT_DB_URL) for users and API keys (seeded from --auth, --api_keys), chats, sessions, login throttling and documents, shared by several replicas",
    defaultText: "none: SQLite files"
  },
  concurrency: {kind: "number", description: "generations at once per model (llama.cpp sequences)", defaultText: `${DEFAULT_LLAMA_SEQUENCES} for llama.cpp`},
  max_queue: {kind: "number", description: "requests that may wait per model; more get 429 with Retry-After", defaultText: "4 x concurrency"},
  max_max_new_tokens: {kind: "number", description: "largest max_new_tokens a request may ask for", defaultText: "4096"},
  max_body_bytes: {kind: "number", description: "largest request body in bytes (413 beyond)", defaultText: "1048576"},
  cors_origins: {kind: "list", description: "a web origin (https://app.example) allowed to call the API from a browser; repeat for several"},
  trusted_proxies: {
    kind: "list",
    description: "address or CIDR block (10.0.0.0/8) of a reverse proxy whose X-Forwarded-For and X-Forwarded-Proto are believed; comma-separate or repeat"
  },
  secure_cookies: {kind: "boolean", description: "mark the login cookie Secure even over plain http (TLS ends at a proxy)"},
  persist_directory: {kind: "string", description: "folder holding the document collections' databases", defaultText: DEFAULT_PERSIST_DIRECTORY},
  user_path: {kind: "string", description: "a folder kept ingested into the shared UserData collection (at start and on POST /api/collections/UserData/sync)"},
  embedding_model: {kind: "string", description: "a GGUF embedding model (file, hf:OWNER/REPO:QUANT or URL) for document vectors (hybrid ranking)", defaultText: "none: BM25 full-text search"},
  shared_collections: {kind: "list", description: "a collection name every user shares besides UserData (repeat or comma-separate)"},
  allow_upload_to_user_data: {kind: "boolean", description: "let users upload to, delete from and purge shared collections", defaultText: "True"},
  langchain_mode: {kind: "string", description: "the collection requests answer from when they name none (h2oGPT's langchain_mode)", defaultText: "LLM (no documents)"},
  max_upload_bytes: {kind: "number", description: "largest document upload in bytes (413 beyond)", defaultText: "104857600"}
} as const satisfies FlagDefs;

export const serveCommand = defineCommand({
  name: "serve",
  summary: "serve models over an OpenAI-compatible API, an h2oGPT-style API and a web chat UI",
  usage: [
    "h2ogpt serve --base_model=MODEL.gguf [--prompt_type=T] [--host=127.0.0.1] [--port=7860]",
    "h2ogpt serve --base_model=A.gguf --base_model=B.gguf      several models (h2oGPT's model_lock); compare them in the UI",
    "h2ogpt serve --base_model=hf:bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M   downloaded once into --models_dir (h2ogpt models)",
    "h2ogpt serve --base_model=M.gguf --host=0.0.0.0 --auth=auth.json --api_keys=keys.txt",
    "",
    "Web UI at http://HOST:PORT/. OpenAI clients: base URL http://HOST:PORT/v1 (chat/completions, completions,",
    "embeddings, models). h2oGPT-style: POST /api/generate and /api/generate_stream with h2oGPT's parameter names.",
    "Generation flags set server-wide defaults; each request may override them. Without --auth or API keys the",
    "server listens only on loopback unless --allow_insecure_public is given."
  ],
  flags: {
    ...ENGINE_FLAGS,
    base_model: {...ENGINE_FLAGS.base_model, kind: "list", description: "a GGUF model to serve (file, hf:OWNER/REPO:QUANT, hf:OWNER/REPO/FILE.gguf or URL); repeat to serve several side by side"},
    ...PROMPT_FLAGS,
    ...SERVE_GENERATION_FLAGS,
    ...SERVE_FLAGS,
    ...SCORE_FLAGS
  },
  async run(args, io) {
    const flags = args.flags;
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}' (see --help)`);
    const positive = (name: string, value: number | undefined): number | undefined => integerFlag(name, value, 1);
    const port = integerFlag("port", flags.port, 0, 65535);
    const maxQueue = integerFlag("max_queue", flags.max_queue, 0);
    const maxNewTokensCap = positive("max_max_new_tokens", flags.max_max_new_tokens);
    const maxBodyBytes = positive("max_body_bytes", flags.max_body_bytes);
    const maxUploadBytes = positive("max_upload_bytes", flags.max_upload_bytes);
    // A bad server-wide default would otherwise start fine and then fail every request.
    if (flags.prompt_type != null) resolvePromptType(flags.prompt_type);
    const dbUrl = resolveDbUrl({flag: flags.db_url, env: io.env.H2OGPT_DB_URL});
    const keysGiven = flags.api_keys != null || (io.env.H2OGPT_API_KEYS ?? "").trim() !== "";
    if (flags.prune_users === true && dbUrl == null) throw new UsageError("--prune_users needs --db_url (without it the files are the whole list already)");
    if (flags.prune_users === true && flags.auth == null && !keysGiven) throw new UsageError("--prune_users needs --auth or --api_keys: it removes what they do not list");
    // Refuse an unsafe bind or a bad proxy address before spending time loading models (startServer checks both again,
    // with the users and keys the database holds).
    checkBindPolicy({
      host: flags.host ?? DEFAULT_HOST,
      hasUsers: flags.auth != null || dbUrl != null,
      hasApiKeys: keysGiven,
      allowInsecurePublic: flags.allow_insecure_public ?? false
    });
    parseTrustedProxies(flags.trusted_proxies ?? []);
    const userPath = checkUserPath(flags.user_path, io);
    const file = (value: string | undefined): string | undefined => (value == null ? undefined : resolve(io.cwd, value));
    const historyDb = resolve(io.cwd, flags.history_db ?? "h2ogpt_history.db");
    if (dbUrl == null) makeHistoryDbFolder(historyDb);
    const remote = flags.inference_server != null && flags.inference_server !== "";
    const concurrency = positive("concurrency", flags.concurrency) ?? (remote ? undefined : DEFAULT_LLAMA_SEQUENCES);
    // Opened (and migrated) before any model loads, so a wrong URL fails at once. Each generation saves its answer
    // as it streams and each request reads a session: two connections per generation slot and a few for the rest.
    let database = dbUrl == null ? undefined : await PgDatabase.open({url: dbUrl, poolSize: 2 * (concurrency ?? 4) * Math.max(1, flags.base_model?.length ?? 1) + 4});
    const defaults = generationParamsFromFlags({...flags, num_beams: undefined, num_return_sequences: undefined});
    checkGenerateOptions({...defaults, maxNewTokens: defaults.maxNewTokens ?? 1});
    // Remote models (hf:OWNER/REPO:QUANT, URLs) are downloaded into the models cache before anything is loaded.
    const resolved = await withLocalModels(flags, io, "serve");
    const prompt = await promptOptionsFromFlags(resolved, io);
    const baseModels: (string | undefined)[] = resolved.base_model ?? [];

    let scoreModel: ScoreModel | undefined;
    const engines: Engine[] = [];
    try {
      // Loaded first: a wrong --score_model fails before the chat models take their time.
      scoreModel = await openScoreModel(flags, io);
      for (const baseModel of baseModels.length === 0 ? [undefined] : baseModels)
        engines.push(await createEngine(engineOptionsFromFlags({...resolved, base_model: baseModel}, io, concurrency)));
      // The UI shows it above the chat; a terminal user should not have to open the page to learn it.
      for (const notice of new Set(engines.map((engine) => engine.info.notice))) if (notice != null) io.stderr.write(`note: ${notice}\n`);
      if (engines.some((engine) => engine.info.binary === "prebuilt")) io.stderr.write(`note: ${PREBUILT_BINARY_NOTICE}\n`);
      const served = (engine: Engine, name: string, promptType: string | undefined, source?: string): ServedModel =>
        engineModel({
          engine,
          name,
          promptType,
          promptDict: prompt.promptDict,
          systemPrompt: prompt.systemPrompt ?? undefined,
          chatTemplate: prompt.chatTemplate,
          defaults,
          source
        });
      const flagPromptType = prompt.promptType == null ? undefined : String(prompt.promptType);
      // Admins load files of --models_dir at run time with the same engine flags (not with a remote --inference_server).
      const modelAdmin: ModelAdminOptions = {
        modelsDir: modelsDirectory({modelsDir: flags.models_dir, env: io.env, cwd: io.cwd}),
        ...(remote
          ? {}
          : {
              load: async (request) => {
                const engine = await createEngine(engineOptionsFromFlags({...resolved, base_model: request.path, lora_weights: [...request.lora]}, io, concurrency));
                return served(engine, request.name, request.promptType ?? flagPromptType);
              }
            })
      };
      const models: ServedModel[] = uniqueNames(engines).map((name, index) =>
        // A downloaded model shows where it came from (hf:OWNER/REPO:QUANT or its URL) beside its name in the UI.
        served(engines[index]!, name, flagPromptType, isRemoteModel(flags.base_model?.[index] ?? "") ? flags.base_model![index] : undefined)
      );
      const collections = await collectionManagerFromFlags({...flags, user_path: userPath}, io, database);
      const server = await startServer({
        models,
        database,
        collections,
        allowSharedChanges: flags.allow_upload_to_user_data ?? true,
        defaultLangchainMode: flags.langchain_mode,
        maxUploadBytes,
        host: flags.host,
        port,
        authFile: file(flags.auth),
        apiKeysFile: file(flags.api_keys),
        apiKeysEnv: io.env.H2OGPT_API_KEYS,
        pruneUsers: flags.prune_users,
        allowInsecurePublic: flags.allow_insecure_public,
        historyDb,
        concurrency,
        maxQueue,
        maxNewTokensCap,
        defaultMaxNewTokens: defaults.maxNewTokens,
        maxBodyBytes,
        corsOrigins: flags.cors_origins,
        trustedProxies: flags.trusted_proxies,
        secureCookies: flags.secure_cookies,
        promptTypes: PROMPT_TYPES.map((row) => row.name),
        modelAdmin,
        scoreModel
      });
      engines.length = 0;
      scoreModel = undefined;
      database = undefined;
      for (const user of server.hashedOnLoad) io.stderr.write(`h2ogpt serve: stored a scrypt hash instead of the plain password of "${user}" in ${flags.auth}\n`);
      if (dbUrl != null) io.stderr.write(`h2ogpt serve: ${seedLine(server.seeded)}\n`);
      io.stdout.write(`h2ogpt serve: ${server.url} (models: ${server.registry.names.join(", ")}; OpenAI API at ${server.url}/v1)\n`);
      if (collections.options.userPath != null) syncUserPath(collections, io);
      await untilStopped(io.signal);
      io.stderr.write("h2ogpt serve: stopping\n");
      await server.close();
      return 0;
    } finally {
      await Promise.allSettled(engines.map((engine) => engine.close()));
      await scoreModel?.dispose();
      await database?.close();
    }
  }
});

/**
 * The name each model answers to in `model`: the GGUF file name without `.gguf` (what users type, like
 * llama-server's alias), or the remote model's id; made unique with -2, -3...
 */
function uniqueNames(engines: readonly Engine[]): string[] {
  const seen = new Map<string, number>();
  return engines.map((engine) => {
    const base = engine.info.modelPath == null ? engine.info.name : basename(engine.info.modelPath).replace(/\.gguf$/i, "");
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base}-${count}`;
  });
}

/** What seeding the database from the files changed, in one line. */
function seedLine(seeded: SeedSummary): string {
  const names = (list: readonly string[]): string => (list.length === 0 ? "" : ` (${list.join(", ")})`);
  return (
    `users in the database: ${seeded.usersAdded.length} added${names(seeded.usersAdded)}, ${seeded.usersUpdated.length} updated${names(seeded.usersUpdated)}, ` +
    `${seeded.usersRemoved.length} removed${names(seeded.usersRemoved)}; API keys: ${seeded.keysAdded} added, ${seeded.keysRemoved} removed`
  );
}

/** --user_path as an absolute folder, checked before any model is loaded. */
function checkUserPath(value: string | undefined, io: CommandIo): string | undefined {
  if (value == null) return undefined;
  const path = resolve(io.cwd, value);
  if (!statSync(path, {throwIfNoEntry: false})?.isDirectory()) throw new UsageError(`--user_path=${value}: no such folder`);
  return path;
}

async function collectionManagerFromFlags(
  flags: {persist_directory?: string; user_path?: string; embedding_model?: string; shared_collections?: string[]; n_threads?: number} & ModelCacheFlags,
  io: CommandIo,
  database?: PgDatabase
): Promise<CollectionManager> {
  const sharedCollections = (flags.shared_collections ?? []).flatMap((item) => item.split(",")).map((name) => checkCollectionName(name.trim()));
  if (database != null && flags.embedding_model != null && flags.embedding_model !== "" && !(await database.hasExtension("vector")))
    throw new PgvectorMissingError(`--embedding_model with --db_url needs the pgvector extension, which ${redactDbUrl(database.url)} is missing`);
  const embedder =
    flags.embedding_model == null || flags.embedding_model === ""
      ? undefined
      : await createEmbedder({modelPath: (await localModel(flags.embedding_model, "embedding_model", flags, io, "serve")).path, threads: flags.n_threads});
  return new CollectionManager({
    persistDirectory: resolve(io.cwd, flags.persist_directory ?? DEFAULT_PERSIST_DIRECTORY),
    sharedCollections,
    userPath: flags.user_path,
    embedder,
    ocr: createTesseractOcr(),
    // The server closes the database (it shares it with the chat history), so the backend does not own it.
    backend: database == null ? undefined : pgCollections(database)
  });
}

/** Ingests --user_path in the background: the server answers meanwhile, and UserData fills as batches commit. */
function syncUserPath(collections: CollectionManager, io: CommandIo): void {
  io.stderr.write(`h2ogpt serve: ingesting ${collections.options.userPath} into UserData\n`);
  collections.syncUserPath().then(
    (summary) =>
      io.stderr.write(
        `h2ogpt serve: UserData: ${summary.added} added, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.removed} removed, ${summary.failed} failed` +
          `; ${summary.chunks} chunks in ${summary.seconds.toFixed(1)} s\n` +
          summary.failures.map((failure) => `  ${failure.source}: ${failure.reason}\n`).join("")
      ),
    (error: Error) => io.stderr.write(`h2ogpt serve: ingesting --user_path stopped: ${error.message.split("\n")[0]}\n`)
  );
}

/** A count flag: an integer from `min` (to `max`), or a one-line UsageError as the other commands give. */
function integerFlag(name: string, value: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value == null || (Number.isInteger(value) && value >= min && value <= max)) return value;
  const range = max !== Number.MAX_SAFE_INTEGER ? `an integer from ${min} to ${max}` : min === 0 ? "a non-negative integer" : "a positive integer";
  throw new UsageError(`--${name}: expected ${range}, got ${value}`);
}

/** Resolves on Ctrl-C (the command's signal) or SIGTERM. */
function untilStopped(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const stop = (): void => {
      process.off("SIGTERM", stop);
      signal.removeEventListener("abort", stop);
      resolve();
    };
    signal.addEventListener("abort", stop, {once: true});
    process.once("SIGTERM", stop);
  });
}
