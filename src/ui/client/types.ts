/**
 * The server's JSON as the UI reads it (see src/server/create-app.ts and chat-routes.ts). Types only come from
 * the server: esbuild erases them, so nothing of the server enters the browser bundle.
 */
import type {AnswerMeta, MessageRole, MessageStatus} from "../../server/index.js";

export type {AnswerMeta, MessageStatus};

export interface ModelInfo {
  readonly name: string;
  readonly engine: string;
  readonly context_length: number;
  readonly sequences: number;
  readonly prompt_type: string | null;
  readonly embeddings: boolean;
  readonly notice: string | null;
  readonly details: Readonly<Record<string, string | number | boolean>>;
  /** What a request that leaves them out gets (the serve flags over h2oGPT's defaults); top_k 0 = no limit. */
  readonly defaults?: GenerationDefaults;
  /** The model's context in tokens (the prompt and the answer share it). */
  readonly context?: number;
  /** The most new tokens a request to this model may ask for (the server's cap and the context, whichever is smaller). */
  readonly max_new_tokens_limit?: number;
}

export interface GenerationDefaults {
  readonly temperature: number;
  readonly top_p: number;
  readonly top_k: number;
  readonly repetition_penalty: number;
  readonly max_new_tokens: number;
  readonly do_sample: boolean;
}

export interface ServerInfo {
  readonly user: string;
  /** The signed-in user may load and unload models (the Models panel). */
  readonly admin?: boolean;
  readonly auth_required: boolean;
  readonly models: readonly ModelInfo[];
  readonly prompt_types: readonly string[];
  readonly limits: {readonly max_new_tokens_cap: number; readonly default_max_new_tokens: number};
  /** Null when the server has no document collections: the UI then shows no Documents panel. */
  readonly documents?: {readonly langchain_mode: string; readonly langchain_actions: readonly string[]} | null;
}

/** A cited chunk under an answer (AnswerMeta.sources), best first. */
export type AnswerSource = NonNullable<AnswerMeta["sources"]>[number];

export interface CollectionSummary {
  readonly name: string;
  readonly shared: boolean;
  readonly documents: number;
  readonly chunks: number;
}

export interface DocumentSummary {
  readonly id: number;
  readonly source: string;
  readonly format: string;
  readonly title: string | null;
  readonly chunks: number;
  readonly text_chars: number;
  readonly added_at: number;
}

export interface DocumentChunk {
  readonly chunk_row_id: number;
  readonly chunk_id: number;
  readonly page: number | null;
  readonly start: number;
  readonly end: number;
  readonly content: string;
}

export interface DocumentDetail {
  readonly id: number;
  readonly source: string;
  readonly format: string;
  readonly title: string | null;
  readonly text_chars: number;
  readonly chunks: readonly DocumentChunk[];
}

/** GET /api/documents/jobs/:id: an upload being ingested. */
export interface IngestJobStatus {
  readonly state: "running" | "done" | "failed";
  readonly progress: {
    readonly files_done: number;
    readonly files_total: number;
    readonly bytes_done: number;
    readonly bytes_total: number;
    readonly documents: number;
    readonly chunks: number;
  } | null;
  readonly summary: {
    readonly added: number;
    readonly updated: number;
    readonly unchanged: number;
    readonly failed: number;
    readonly documents: number;
    readonly chunks: number;
    readonly failures: readonly {readonly source: string; readonly reason: string}[];
  } | null;
  readonly error: string | null;
}

export interface Message {
  readonly id: number;
  readonly turn: number;
  readonly role: MessageRole;
  readonly model: string | null;
  content: string;
  status: MessageStatus;
  meta: AnswerMeta | null;
}

/** What a chat keeps besides its messages: h2oGPT's system prompt and context, per chat. */
export interface ChatSettings {
  system_prompt?: string;
  context?: string;
}

/** POST /api/tokenize_prompt: the prompt the next answer would get, in tokens, against the model's context. */
export interface PromptBudget {
  readonly prompt_tokens: number;
  readonly context: number;
  readonly max_new_tokens: number;
  /** False when the prompt does not fit the context (max_new_tokens is then 0). */
  readonly fits?: boolean;
}

/** GET /api/admin/models. */
export interface AdminModels {
  readonly models: readonly {
    readonly name: string;
    readonly source: string;
    readonly context: number;
    readonly sequences: number;
    readonly loaded_at: number | string | null;
    readonly lora: readonly string[];
    readonly prompt_type: string | null;
  }[];
  readonly files: readonly {readonly file: string; readonly size: number; readonly kind: "gguf" | "lora"}[];
}

export interface ChatSummary {
  readonly id: string;
  readonly title: string;
  readonly models: string[];
  readonly createdAt?: number;
  readonly updatedAt: number;
  readonly settings?: ChatSettings | null;
}

export interface Chat extends ChatSummary {
  messages: Message[];
}
