import {lstat, readdir, realpath, stat} from "node:fs/promises";
import {join, sep} from "node:path";
import {Hono} from "hono";
import {H2oGptError} from "../errors/index.js";
import {ggufMetadataValue, readGguf} from "../gguf/index.js";
import {requireAdmin, type AppEnv} from "./access-control.js";
import {asObject, badRequest, optionalPromptType, optionalString, optionalStringList, quote} from "./field-readers.js";
import {HttpError} from "./http-error.js";
import type {ModelEntry, ModelRegistry} from "./model-registry.js";
import {readJsonBody} from "./read-json-body.js";
import type {ServedModel} from "./served-model.js";

/**
 * The admins' Models API (`/api/admin/models`): list the served models and the GGUF files of `--models_dir`,
 * load one of those files as a new served model (optionally with LoRA adapters from the same folder), unload a
 * model. Every route answers 403 to anyone but an admin (API keys included).
 *
 * Threat model: an admin's browser session is still a remote client, so no route takes a path. A file is named
 * by its entry in the listing, which holds only regular files directly inside the folder (a symlink only when
 * it resolves inside the folder too); anything else, `..`, a slash, an absolute path, is a 400.
 */

/** A load request as the server's loader gets it: absolute paths of files inside models_dir. */
export interface ModelLoadRequest {
  readonly path: string;
  readonly name: string;
  readonly lora: readonly string[];
  readonly promptType?: string;
}

export interface ModelAdminOptions {
  /** `--models_dir` (default modelsDirectory()): the only folder models are loaded from at run time. */
  readonly modelsDir: string;
  /** Builds a served model with the server's engine flags; without it, loading is a 501. */
  readonly load?: (request: ModelLoadRequest) => Promise<ServedModel>;
  /** How long an unload lets running generations finish before aborting them. Default 30 s. */
  readonly drainGraceMs?: number;
}

export type ModelFileKind = "gguf" | "lora";

export interface ModelFile {
  readonly file: string;
  readonly size: number;
  readonly kind: ModelFileKind;
}

const MODEL_NAME = /^[A-Za-z0-9][\w.+-]{0,127}$/;
/** Later parts of a split GGUF are loaded through the first one. */
const LATER_SPLIT_PART = /-(?!0+1-)\d{5}-of-\d{5}\.gguf$/i;
const MAX_LORAS = 8;

/** Each file's kind, read from its GGUF header once per size and modification time. */
const kindCache = new Map<string, {key: string; kind: ModelFileKind | undefined}>();

async function kindOf(path: string, key: string): Promise<ModelFileKind | undefined> {
  const cached = kindCache.get(path);
  if (cached?.key === key) return cached.kind;
  let kind: ModelFileKind | undefined;
  try {
    const gguf = await readGguf(path);
    kind = ggufMetadataValue(gguf, "general.type") === "adapter" ? "lora" : "gguf";
  } catch {
    // Not a GGUF it could load: not offered.
    kind = undefined;
  }
  kindCache.set(path, {key, kind});
  return kind;
}

/**
 * The GGUF files an admin may load: regular files directly inside `modelsDir` (symlinks only when they resolve
 * inside it), first parts of split models only, each with its size and kind; sorted by name. A missing folder
 * lists nothing.
 *
 * @example
 * await listModelFiles("/home/me/.cache/h2ogpt-ts/models"); // [{file: "tiny.gguf", size: 1750560, kind: "gguf"}]
 */
export async function listModelFiles(modelsDir: string): Promise<(ModelFile & {path: string})[]> {
  let root: string;
  let names: string[];
  if (modelsDir === "") return [];
  try {
    root = await realpath(modelsDir);
    names = await readdir(root);
  } catch {
    return [];
  }
  const files: (ModelFile & {path: string})[] = [];
  for (const file of names.sort()) {
    if (!/\.gguf$/i.test(file) || LATER_SPLIT_PART.test(file)) continue;
    let path = join(root, file);
    const link = await lstat(path).catch(() => undefined);
    if (link == null) continue;
    if (link.isSymbolicLink()) {
      const target = await realpath(path).catch(() => undefined);
      if (target == null || !target.startsWith(root + sep)) continue;
      path = target;
    }
    const info = link.isSymbolicLink() ? await stat(path).catch(() => undefined) : link;
    if (info == null || !info.isFile()) continue;
    const kind = await kindOf(path, `${info.size}:${info.mtimeMs}`);
    if (kind != null) files.push({file, size: info.size, kind, path});
  }
  return files;
}

function modelRow(entry: ModelEntry): Record<string, unknown> {
  const info = entry.model.info;
  const details = info.details ?? {};
  return {
    name: info.name,
    source: entry.file ?? details.source ?? details.file ?? info.engine,
    engine: info.engine,
    context: info.contextLength,
    sequences: info.sequences,
    loaded_at: new Date(entry.loadedAt).toISOString(),
    lora: entry.lora,
    prompt_type: info.promptType ?? null
  };
}

/** Names a listed file; anything that is not exactly one listed entry's name is a 400. */
function pick(files: readonly (ModelFile & {path: string})[], value: string, param: string, kind: ModelFileKind): ModelFile & {path: string} {
  if (value.includes("/") || value.includes("\\") || value.includes("\0") || value === "." || value === "..")
    throw badRequest(param, `a file name from the models folder, not a path: ${quote(value)}`, "invalid_file");
  const found = files.find((f) => f.file === value);
  if (found == null) throw badRequest(param, `no GGUF file ${quote(value)} in the models folder`, "invalid_file");
  if (found.kind !== kind) throw badRequest(param, `${quote(value)} is ${found.kind === "lora" ? "a LoRA adapter" : "a model"}, not ${kind === "lora" ? "a LoRA adapter" : "a model"}`, "invalid_file");
  return found;
}

export function modelAdminRoutes(options: {registry: ModelRegistry; admin: ModelAdminOptions}): Hono<AppEnv> {
  const {registry, admin} = options;
  const app = new Hono<AppEnv>();
  app.use("*", requireAdmin());
  /** Loads run one at a time: each holds a whole model in memory while it loads. */
  let loading: Promise<unknown> = Promise.resolve();
  const pending = new Set<string>();

  app.get("/", async (c) => {
    const files = await listModelFiles(admin.modelsDir);
    return c.json({models: registry.all.map(modelRow), files: files.map(({file, size, kind}) => ({file, size, kind}))});
  });

  app.post("/", async (c) => {
    const body = asObject(await readJsonBody(c), "body");
    const fileName = optionalString(body, "file", 1000);
    if (fileName == null || fileName === "") throw badRequest("file", "is required: a file name from GET /api/admin/models", "missing_field");
    const loraNames = optionalStringList(body, "lora", MAX_LORAS) ?? [];
    const promptType = optionalPromptType(body);
    const files = await listModelFiles(admin.modelsDir);
    const model = pick(files, fileName, "file", "gguf");
    const loras = loraNames.map((name, index) => pick(files, name, `lora[${index}]`, "lora"));
    const name = optionalString(body, "name", 128) ?? fileName.replace(/\.gguf$/i, "");
    if (!MODEL_NAME.test(name)) throw badRequest("name", `letters, digits and . _ + - only (1-128, starting with a letter or digit), got ${quote(name)}`);
    if (registry.names.includes(name) || pending.has(name))
      throw new HttpError(409, `name: a model named ${quote(name)} is already served; give another name`, {param: "name", code: "model_exists"});
    if (admin.load == null) throw new HttpError(501, "this server cannot load models at run time", {code: "not_supported"});
    const load = admin.load;
    pending.add(name);
    const run = loading.then(async () => {
      let served: ServedModel;
      try {
        served = await load({path: model.path, name, lora: loras.map((l) => l.path), promptType});
      } catch (error) {
        if (error instanceof H2oGptError) throw new HttpError(422, `${model.file}: ${error.message.split("\n")[0]}`, {param: "file", code: "model_load_failed", cause: error});
        throw error;
      }
      try {
        return registry.add(served, {file: model.file, lora: loras.map((l) => l.file)});
      } catch (error) {
        await served.close();
        throw error;
      }
    });
    loading = run.catch(() => undefined);
    try {
      return c.json({model: modelRow(await run)}, 201);
    } finally {
      pending.delete(name);
    }
  });

  app.delete("/:name", async (c) => {
    const removed = await registry.remove(c.req.param("name"), {graceMs: admin.drainGraceMs ?? 30_000});
    return c.json({unloaded: removed.name, aborted: removed.aborted});
  });

  return app;
}
