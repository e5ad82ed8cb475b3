import {basename, resolve} from "node:path";
import {writeGguf, type GgufValue, type WriteGgufResult} from "../gguf/index.js";
import {HfModelError} from "./hf-errors.js";
import {HF_ARCHITECTURES, openHfFolder, readHfTensor, type HfFolder} from "./hf-folder.js";
import {hfArchitectureMetadata, hfTensorMappings, reorderRows} from "./hf-gguf-layout.js";
import {hfVocabularyMetadata} from "./hf-vocabulary.js";

export type HfOutType = "f16" | "f32";

export interface ConvertHfOptions {
  /** The Hugging Face folder (config.json, *.safetensors, tokenizer.json). */
  readonly baseModel: string;
  readonly out: string;
  /** Weight type of 2-D tensors; norms and biases stay F32 as llama.cpp's converter keeps them. Defaults to f16. */
  readonly outtype?: HfOutType;
}

/** All GGUF metadata of the folder's model (general, architecture, tokenizer), as convert_hf_to_gguf.py writes it. */
export async function hfModelMetadata(folder: HfFolder, outtype: HfOutType = "f16"): Promise<Record<string, GgufValue>> {
  const vocabulary = await hfVocabularyMetadata(folder);
  return {
    "general.architecture": {type: "string", value: HF_ARCHITECTURES[folder.modelType]},
    "general.type": {type: "string", value: "model"},
    "general.name": {type: "string", value: basename(folder.dir)},
    ...hfArchitectureMetadata(folder, vocabulary.size),
    // llama_ftype: 0 = all F32, 1 = mostly F16.
    "general.file_type": {type: "u32", value: outtype === "f32" ? 0 : 1},
    "general.quantization_version": {type: "u32", value: 2},
    ...vocabulary.metadata
  };
}

/**
 * `h2ogpt convert`: a Hugging Face llama or gpt_neox folder as one GGUF with llama.cpp's tensor names, row
 * orderings, metadata and vocabulary. Tensors are read and written one at a time; the file appears only whole.
 * @example await convertHfToGguf({baseModel: "pythia-70m", out: "pythia-70m.gguf", outtype: "f16"});
 */
export async function convertHfToGguf(options: ConvertHfOptions): Promise<WriteGgufResult & {architecture: string}> {
  const outtype = options.outtype ?? "f16";
  if (outtype !== "f16" && outtype !== "f32") throw new HfModelError(options.out, `--outtype must be f16 or f32, got ${String(outtype)}`);
  const folder = await openHfFolder(options.baseModel);
  const metadata = await hfModelMetadata(folder, outtype);
  const mappings = hfTensorMappings(folder);
  const result = await writeGguf(resolve(options.out), {
    metadata,
    tensors: mappings.map((mapping) => ({
      name: mapping.ggufName,
      dims: [...mapping.shape].reverse(),
      type: outtype === "f32" || mapping.shape.length <= 1 ? "F32" : "F16",
      data: async () => reorderRows(await readHfTensor(folder, mapping.hfName), mapping.rows)
    }))
  });
  return {...result, architecture: HF_ARCHITECTURES[folder.modelType]};
}

/**
 * The folder's weights under GGUF names, row-major F32 and reordered as in the converted GGUF, with that GGUF's
 * metadata: what training reads instead of a GGUF file.
 * @example const {metadata, tensors} = await readHfModel("my-llama"); // tensors.get("blk.0.attn_q.weight")
 */
export async function readHfModel(path: string): Promise<{folder: HfFolder; metadata: Record<string, GgufValue>; tensors: Map<string, Float32Array>; shapes: Map<string, readonly number[]>}> {
  const folder = await openHfFolder(path);
  const metadata = await hfModelMetadata(folder, "f32");
  const tensors = new Map<string, Float32Array>();
  const shapes = new Map<string, readonly number[]>();
  for (const mapping of hfTensorMappings(folder)) {
    tensors.set(mapping.ggufName, reorderRows(await readHfTensor(folder, mapping.hfName), mapping.rows));
    shapes.set(mapping.ggufName, mapping.shape);
  }
  return {folder, metadata, tensors, shapes};
}
