import {readdir, stat} from "node:fs/promises";
import {join} from "node:path";
import {modelsDirectory, quantizationsOf, readCacheRecord, removeCachedModel} from "../engine/index.js";
import {UsageError} from "../errors/index.js";
import {ggufMetadataValue, readGguf} from "../gguf/index.js";
import {defineCommand} from "./command.js";
import {detectedPromptType, MODEL_CACHE_FLAGS} from "./model-flags.js";

/** llama.cpp's `general.file_type` numbers for the common quantizations (a file name usually says it first). */
const FILE_TYPES: Readonly<Record<number, string>> = {
  0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L",
  14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 30: "IQ4_XS", 32: "BF16"
};

/** Later parts of a split GGUF belong to the first one's entry. */
const LATER_PART = /-(\d{5})-of-\d{5}\.gguf$/i;

interface CachedModel {
  readonly name: string;
  readonly path: string;
  readonly source?: string;
  readonly bytes: number;
  readonly architecture?: string;
  readonly contextLength?: number;
  readonly quantization?: string;
  readonly promptType: string;
  readonly problem?: string;
}

async function describe(dir: string, name: string): Promise<CachedModel> {
  const path = join(dir, name);
  const record = await readCacheRecord(path);
  const sizes = await Promise.all((record?.files.map((file) => file.name) ?? [name]).map(async (file) => (await stat(join(dir, file)).catch(() => undefined))?.size ?? 0));
  const bytes = sizes.reduce((a, b) => a + b, 0);
  const problem = record?.files.some((file, i) => file.size !== sizes[i]) ? "size differs from the download: will be downloaded again" : undefined;
  const gguf = await readGguf(path).catch(() => undefined);
  const architecture = gguf == null ? undefined : ggufMetadataValue(gguf, "general.architecture");
  const contextLength = gguf == null || typeof architecture !== "string" ? undefined : ggufMetadataValue(gguf, `${architecture}.context_length`);
  const fileType = gguf == null ? undefined : ggufMetadataValue(gguf, "general.file_type");
  const quantization = (await quantizationsOf([name]))[0] ?? (typeof fileType === "number" ? FILE_TYPES[fileType] : undefined);
  const repo = record?.source.startsWith("hf:") ? /^hf:(?:\/\/)?([^/:]+\/[^/:]+)/.exec(record.source)?.[1] : undefined;
  const detected = gguf == null ? {text: "-"} : await detectedPromptType({path, repo, source: record?.source, downloaded: false});
  return {
    name,
    path,
    source: record?.source,
    bytes,
    architecture: typeof architecture === "string" ? architecture : undefined,
    contextLength: typeof contextLength === "number" ? contextLength : undefined,
    quantization,
    promptType: detected.promptType ?? (detected.text.startsWith("the model's chat template") ? "template" : detected.text === "-" ? "-" : "plain"),
    problem: gguf == null ? "not a readable GGUF" : problem
  };
}

const size = (bytes: number): string => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`);

export const modelsCommand = defineCommand({
  name: "models",
  summary: "list the models cache (models downloaded with --base_model=hf:... or a URL), or remove one",
  usage: [
    "h2ogpt models [--models_dir=DIR] [--json]",
    "h2ogpt models --remove=NAME        NAME: a file name as listed (with or without .gguf) or the model it came from",
    "",
    "Models are downloaded on first use by generate, serve, ingest and retrieve: --base_model=hf:OWNER/REPO:QUANT,",
    "hf:OWNER/REPO/FILE.gguf or an https URL. PROMPT is the prompt type used when --prompt_type is not given."
  ],
  flags: {
    models_dir: MODEL_CACHE_FLAGS.models_dir,
    remove: {kind: "string", description: "delete this model (file name, or the hf:/URL it was downloaded from) from the cache"},
    json: {kind: "boolean", description: "print a JSON array"}
  },
  async run(args, io) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}' (see --help)`);
    const dir = modelsDirectory({modelsDir: args.flags.models_dir, env: io.env, cwd: io.cwd});
    const entries = await readdir(dir).catch(() => [] as string[]);
    const names = entries.filter((name) => /\.gguf$/i.test(name) && !(LATER_PART.test(name) && !/-00001-of-/i.test(name))).sort();
    const partial = entries.filter((name) => name.endsWith(".gguf.ipull")).sort();
    const models = await Promise.all(names.map((name) => describe(dir, name)));

    if (args.flags.remove != null) {
      const wanted = args.flags.remove;
      const match = models.find((model) => model.name === wanted || model.name.replace(/\.gguf$/i, "") === wanted || model.source === wanted);
      if (match == null) {
        const partialMatch = partial.find((name) => name === wanted || name.replace(/\.ipull$/, "") === wanted || name.replace(/\.gguf\.ipull$/, "") === wanted);
        if (partialMatch != null) {
          await removeCachedModel(join(dir, partialMatch.replace(/\.ipull$/, "")));
          io.stdout.write(`removed the partial download ${partialMatch} from ${dir}\n`);
          return;
        }
        throw new UsageError(`--remove=${wanted}: not in the models cache ${dir}` + (models.length > 0 ? ` (it holds: ${models.map((m) => m.name).join(", ")})` : " (it is empty)"));
      }
      await removeCachedModel(match.path);
      io.stdout.write(`removed ${match.name} (${size(match.bytes)}) from ${dir}\n`);
      return;
    }

    if (args.flags.json) {
      const rows = models.map((model) => ({
        name: model.name,
        path: model.path,
        source: model.source ?? null,
        bytes: model.bytes,
        architecture: model.architecture ?? null,
        context_length: model.contextLength ?? null,
        quantization: model.quantization ?? null,
        prompt_type: model.promptType,
        ...(model.problem == null ? {} : {problem: model.problem})
      }));
      io.stdout.write(`${JSON.stringify(rows, null, 1)}\n`);
      return;
    }
    if (models.length === 0 && partial.length === 0) {
      io.stdout.write(`no models in ${dir} (give --base_model=hf:OWNER/REPO:QUANT to generate or serve to download one)\n`);
      return;
    }
    const header = ["NAME", "SIZE", "ARCH", "CONTEXT", "QUANT", "PROMPT", "SOURCE"];
    const rows = models.map((model) => [
      model.name,
      size(model.bytes),
      model.architecture ?? "-",
      model.contextLength == null ? "-" : String(model.contextLength),
      model.quantization ?? "-",
      model.promptType,
      (model.source ?? "-") + (model.problem == null ? "" : `  (${model.problem})`)
    ]);
    const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]): string => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ");
    const lines = [line(header), ...rows.map(line)];
    for (const name of partial) lines.push(`${name}  (partial download: run the command that needs it again to resume, or --remove it)`);
    lines.push("", `${models.length} model(s), ${size(models.reduce((sum, model) => sum + model.bytes, 0))} in ${dir}`);
    io.stdout.write(`${lines.join("\n")}\n`);
  }
});
