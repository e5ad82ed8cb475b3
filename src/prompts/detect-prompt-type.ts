import {PROMPT_TYPE_KEY} from "../gguf/index.js";
import {CHAT_TEMPLATE_MARKERS} from "./chat-template-markers.js";
import {PROMPT_TYPE_MODEL_NAMES} from "./model-names.js";
import {PROMPT_TYPES_BY_NAME} from "./prompt-types.js";

export interface DetectPromptTypeOptions {
  /** A Hugging Face name (`meta-llama/Llama-2-7b-chat-hf`), a file path or a huggingface.co download URL. */
  readonly modelName?: string;
  /**
   * GGUF metadata: plain values (`{"general.name": "..."}`) or readGguf's typed values
   * (`{"general.name": {type: "string", value: "..."}}`).
   */
  readonly ggufMetadata?: Readonly<Record<string, unknown>>;
}

const lastSegment = (name: string): string => name.slice(name.lastIndexOf("/") + 1);

/** Types served by a chat API; a local file or GGUF name that looks like one of their models is not one. */
const API_TYPES = new Set(["openai", "openai_chat", "anthropic", "google", "mistralai", "groq"]);

/** h2oGPT's inv_prompt_type_to_model_lower, and local types by name without the organisation. */
const BY_NAME = new Map<string, string>();
const BY_BASENAME = new Map<string, string>();
for (const [promptType, names] of Object.entries(PROMPT_TYPE_MODEL_NAMES))
  for (const name of names) {
    BY_NAME.set(name.trim().toLowerCase(), promptType);
    if (!API_TYPES.has(promptType)) BY_BASENAME.set(lastSegment(name.trim().toLowerCase()), promptType);
  }

const GGUF_SUFFIX = /\.gguf$/;
const QUANT_SUFFIX = /[.-](?:q\d\w*|iq\d\w*|f16|f32|bf16)$/;

function stringValue(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value != null && typeof value === "object" && (value as {type?: unknown}).type === "string") {
    const inner = (value as {value?: unknown}).value;
    return typeof inner === "string" ? inner : undefined;
  }
  return undefined;
}

/** A file path or download URL's names: the Hugging Face repo of a URL, the file name, without .gguf and quant tag. */
function fileCandidates(lower: string): string[] {
  const out: string[] = [];
  const url = /huggingface\.co\/(.+?)\/resolve\//.exec(lower);
  if (url) out.push(url[1]!);
  const base = lastSegment(lower.replace(/\\/g, "/"));
  const bare = base.replace(GGUF_SUFFIX, "");
  out.push(base, bare, bare.replace(QUANT_SUFFIX, ""));
  return out;
}

function lookUp(name: string): string | undefined {
  const lower = name.trim().toLowerCase();
  const exact = BY_NAME.get(lower);
  if (exact != null) return exact;
  for (const candidate of fileCandidates(lower)) {
    const byName = BY_NAME.get(candidate);
    const found = byName != null && !API_TYPES.has(byName) ? byName : BY_BASENAME.get(lastSegment(candidate));
    if (found != null) return found;
  }
  return undefined;
}

/**
 * The prompt type for a model: the one `h2ogpt finetune` stored (PROMPT_TYPE_KEY: what the model was last trained
 * with, whatever its name says), then h2oGPT's model-name table (by model name, then GGUF general.name /
 * general.basename), then markers in the GGUF chat template. Undefined when unknown: the caller then uses the
 * model's chat template, or plain.
 */
export function detectPromptType(options: DetectPromptTypeOptions): string | undefined {
  const metadata = options.ggufMetadata ?? {};
  const trained = stringValue(metadata[PROMPT_TYPE_KEY]);
  // custom needs its prompt_dict, which is not stored; an unknown name comes from another tool.
  if (trained != null && trained !== "custom" && PROMPT_TYPES_BY_NAME.has(trained)) return trained;
  const names = [options.modelName, stringValue(metadata["general.name"]), stringValue(metadata["general.basename"])];
  for (const name of names) {
    const found = name ? lookUp(name) : undefined;
    if (found != null) return found;
  }
  const template = stringValue(metadata["tokenizer.chat_template"]);
  if (template == null) return undefined;
  return CHAT_TEMPLATE_MARKERS.find((rule) => rule.markers.every((marker) => template.includes(marker)))?.promptType;
}
