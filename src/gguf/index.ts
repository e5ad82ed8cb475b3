/** GGUF v3 files: read headers and F32/F16 tensors, write models and adapters, make random llama and GPT-NeoX test models. */
export {GgufFormatError, GgufWriteError} from "./gguf-errors.js";
export {
  GGML_TYPES,
  type GgmlTypeName,
  type GgufArray,
  type GgufMetadata,
  type GgufMetadataInput,
  type GgufTensorInfo,
  type GgufValue,
  type GgufValueType
} from "./gguf-types.js";
export {ggufValue, toPlainValue, type GgufPlainValue} from "./gguf-value.js";
export {float16ArrayToFloat32, float16BitsToFloat32, float32ArrayToFloat16, float32ToFloat16Bits} from "./float16.js";
export {isGgufFile} from "./is-gguf-file.js";
export {writeGguf, type GgufTensorData, type GgufTensorInput, type WriteGgufOptions, type WriteGgufResult} from "./write-gguf.js";
export {ggufMetadataValue, readGguf, readGgufTensor, readGgufTensorBytes, type GgufFile} from "./read-gguf.js";
export {POOLING_TYPE, poolingTypeKey, PROMPT_TYPE_KEY, REWARD_BIAS_KEY, REWARD_HEAD_KEY, REWARD_MAX_LENGTH_KEY} from "./metadata-keys.js";
export {llamaArchitectureMetadata, llamaTensorShapes, type LlamaHparams, type LlamaTensorRole, type LlamaTensorShape} from "./llama-layout.js";
export {
  gptneoxArchitectureMetadata,
  gptneoxQkvFromHf,
  gptneoxQkvToHf,
  gptneoxTensorShapes,
  resolveGptNeoxHparams,
  type GptNeoxHparams,
  type GptNeoxTensorRole,
  type GptNeoxTensorShape,
  type ResolvedGptNeoxHparams
} from "./gptneox-layout.js";
export {randomNormal} from "./random-normal.js";
export {writeRandomGptNeoxGguf, type WriteRandomGptNeoxGgufOptions, type WriteRandomGptNeoxGgufResult} from "./write-random-gptneox-gguf.js";
export {vocabularyMetadata, type VocabularyMetadata, type VocabularySource} from "./vocabulary-metadata.js";
export {writeRandomLlamaGguf, type WriteRandomLlamaGgufOptions, type WriteRandomLlamaGgufResult} from "./write-random-llama-gguf.js";
