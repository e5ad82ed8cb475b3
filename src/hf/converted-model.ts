import {createHash} from "node:crypto";
import {mkdir, readdir, realpath, stat} from "node:fs/promises";
import {basename, join} from "node:path";
import {readGguf} from "../gguf/index.js";
import {convertHfToGguf, type HfOutType} from "./convert-hf-to-gguf.js";
import {convertPeftToLoraGguf, hfLayoutFromGguf} from "./peft-adapter.js";

/**
 * Hugging Face folders used where llama.cpp needs a GGUF (generate, serve): converted once into
 * `<cacheDir>/converted/`, under a name keyed by the folder's path and every file's size and modification time, so
 * an unchanged folder is reused and a changed one converted afresh. The GGUF appears only whole (temp name, rename).
 */

/** Bumped when the conversion's output changes, so old cached files are not reused. */
const CONVERTER_VERSION = 1;

async function folderKey(dir: string, extra: readonly unknown[]): Promise<string> {
  const files = [];
  for (const name of (await readdir(dir)).sort()) {
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info?.isFile()) files.push([name, info.size, Math.round(info.mtimeMs)]);
  }
  return createHash("sha256")
    .update(JSON.stringify([CONVERTER_VERSION, await realpath(dir), files, ...extra]))
    .digest("hex")
    .slice(0, 16);
}

const safeName = (dir: string): string => basename(dir).replace(/[^\w.+-]/g, "_") || "model";

/**
 * The GGUF of a Hugging Face model folder, converted on first use.
 * @example const {path} = await convertedHfModel({folder: "pythia-70m", cacheDir: modelsDir});
 */
export async function convertedHfModel(options: {readonly folder: string; readonly cacheDir: string; readonly outtype?: HfOutType}): Promise<{path: string; converted: boolean}> {
  const outtype = options.outtype ?? "f16";
  const key = await folderKey(options.folder, [outtype]);
  const dir = join(options.cacheDir, "converted");
  const path = join(dir, `${safeName(options.folder)}-${key}-${outtype}.gguf`);
  if ((await stat(path).catch(() => undefined))?.isFile()) return {path, converted: false};
  await mkdir(dir, {recursive: true});
  await convertHfToGguf({baseModel: options.folder, out: path, outtype});
  return {path, converted: true};
}

/**
 * The llama.cpp LoRA GGUF of a PEFT adapter folder for a given base GGUF (whose architecture and head counts the
 * row reorderings need), converted on first use.
 * @example const {path} = await convertedPeftAdapter({adapterDir: "out/peft", baseGguf: "base.gguf", cacheDir});
 */
export async function convertedPeftAdapter(options: {readonly adapterDir: string; readonly baseGguf: string; readonly cacheDir: string}): Promise<{path: string; converted: boolean}> {
  const layout = hfLayoutFromGguf(await readGguf(options.baseGguf));
  const key = await folderKey(options.adapterDir, [layout.modelType, layout.config]);
  const dir = join(options.cacheDir, "converted");
  const path = join(dir, `${safeName(options.adapterDir)}-${key}-lora.gguf`);
  if ((await stat(path).catch(() => undefined))?.isFile()) return {path, converted: false};
  await mkdir(dir, {recursive: true});
  await convertPeftToLoraGguf({adapterDir: options.adapterDir, layout, out: path});
  return {path, converted: true};
}
