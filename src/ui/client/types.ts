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
}

export interface ServerInfo {
  readonly user: string;
  readonly auth_required: boolean;
  readonly models: readonly ModelInfo[];
  readonly prompt_types: readonly string[];
  readonly limits: {readonly max_new_tokens_cap: number; readonly default_max_new_tokens: number};
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

export interface ChatSummary {
  readonly id: string;
  readonly title: string;
  readonly models: string[];
  readonly updatedAt: number;
}

export interface Chat extends ChatSummary {
  messages: Message[];
}

/** The expert panel's values, sent with h2oGPT's parameter names. */
export interface Settings {
  prompt_type: string;
  system_prompt: string;
  temperature: number;
  top_p: number;
  top_k: number;
  max_new_tokens: number;
  repetition_penalty: number;
}
