/**
 * Hugging Face folders and PEFT adapters: safetensors in and out, llama and gpt_neox checkpoints converted to GGUF
 * as llama.cpp's convert_hf_to_gguf.py does (or read for training under GGUF names), PEFT LoRA adapters to and
 * from GGUF-named adapters. See docs/models.md.
 */
export {HfModelError} from "./hf-errors.js";
export {
  readSafetensorsHeader,
  readSafetensorsTensor,
  writeSafetensorsFile,
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsHeader,
  type SafetensorsTensorInput
} from "./safetensors-file.js";
export {HF_ARCHITECTURES, isHfModelFolder, openHfFolder, readHfTensor, type HfFolder, type HfModelType} from "./hf-folder.js";
export {hfNameOf, type HfTensorMapping} from "./hf-gguf-layout.js";
export {convertHfToGguf, hfModelMetadata, readHfModel, type ConvertHfOptions, type HfOutType} from "./convert-hf-to-gguf.js";
export {
  convertPeftToLoraGguf,
  hfLayoutFromGguf,
  isPeftAdapterFolder,
  PEFT_CONFIG_FILE,
  PEFT_WEIGHTS_FILE,
  readPeftAdapter,
  readPeftConfig,
  writePeftAdapter,
  type HfLayout,
  type LoraAdapterWeights,
  type PeftConfig
} from "./peft-adapter.js";
export {convertedHfModel, convertedPeftAdapter} from "./converted-model.js";
