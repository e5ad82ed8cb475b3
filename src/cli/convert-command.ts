import {resolve} from "node:path";
import {UsageError} from "../errors/index.js";
import {readGguf} from "../gguf/index.js";
import {convertHfToGguf, convertPeftToLoraGguf, hfLayoutFromGguf, isHfModelFolder, openHfFolder, type HfOutType} from "../hf/index.js";
import {defineCommand} from "./command.js";

const OUT_TYPES: readonly HfOutType[] = ["f16", "f32"];

export const convertCommand = defineCommand({
  name: "convert",
  summary: "convert a Hugging Face model folder (llama, gpt_neox) or a PEFT LoRA adapter to GGUF, as llama.cpp's converters do",
  usage: [
    "h2ogpt convert --base_model=HF_DIR --out=model.gguf [--outtype=f16|f32]",
    "h2ogpt convert --base_model=HF_DIR|base.gguf --lora_weights=PEFT_DIR --out=adapter.gguf",
    "",
    "HF_DIR holds config.json, model.safetensors (or shards with model.safetensors.index.json) and tokenizer.json.",
    "Tensor names, q/k row order, metadata, vocabulary and chat template are written as convert_hf_to_gguf.py writes",
    "them; with --lora_weights, a PEFT folder (adapter_config.json + adapter_model.safetensors) becomes the adapter",
    "GGUF convert_lora_to_gguf.py would write, for use with --lora_weights in generate and serve."
  ],
  flags: {
    base_model: {kind: "string", description: "the Hugging Face model folder (with --lora_weights: that folder or its converted GGUF)"},
    lora_weights: {kind: "string", description: "a PEFT LoRA adapter folder to convert instead of the model"},
    out: {kind: "string", description: "the GGUF file to write (written under a temporary name, then renamed)"},
    outtype: {kind: "string", description: "type of 2-D weights: f16 or f32 (norms and biases stay f32)", defaultText: "f16"}
  },
  async run({flags, positionals}, io) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (see --help)`);
    if (flags.base_model == null) throw new UsageError("--base_model is required (a Hugging Face model folder)");
    if (flags.out == null) throw new UsageError("--out is required (the GGUF file to write)");
    const outtype = (flags.outtype ?? "f16").toLowerCase() as HfOutType;
    if (!OUT_TYPES.includes(outtype)) throw new UsageError(`--outtype: expected f16 or f32, got '${flags.outtype}'`);
    const base = resolve(io.cwd, flags.base_model);
    const out = resolve(io.cwd, flags.out);
    if (flags.lora_weights != null) {
      const layout = (await isHfModelFolder(base)) ? await openHfFolder(base) : hfLayoutFromGguf(await readGguf(base));
      const result = await convertPeftToLoraGguf({adapterDir: resolve(io.cwd, flags.lora_weights), layout, out});
      io.stdout.write(`wrote ${result.path} (LoRA adapter, ${result.tensors.length} tensors, ${result.bytes} bytes)\n`);
      return;
    }
    if (!(await isHfModelFolder(base))) throw new UsageError(`--base_model=${flags.base_model}: not a Hugging Face model folder (config.json and *.safetensors)`);
    const result = await convertHfToGguf({baseModel: base, out, outtype});
    io.stdout.write(`wrote ${result.path} (${result.architecture}, ${result.tensors.length} tensors, ${outtype}, ${result.bytes} bytes)\n`);
  }
});
