import type {ScoredChunk} from "../docs/index.js";
import type {GenerateResult} from "./generate-options.js";

/** A result's answer and figures under h2oGPT's snake_case names. */
export interface ResultFields {
  readonly response: string;
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly max_new_tokens: number;
  readonly stop_reason: string;
  readonly turns_dropped: number;
}

/** What `h2ogpt generate --json` prints, every eval line and `/api/generate` hold, in that order. */
export function resultFields(
  result: Pick<GenerateResult, "response" | "promptTokens" | "completionTokens" | "maxNewTokens" | "stopReason" | "turnsDropped">
): ResultFields {
  return {
    response: result.response,
    prompt_tokens: result.promptTokens,
    completion_tokens: result.completionTokens,
    max_new_tokens: result.maxNewTokens,
    stop_reason: result.stopReason,
    turns_dropped: result.turnsDropped
  };
}

/** A cited chunk under h2oGPT's names, as every API, the CLI and LangChain documents carry it. */
export interface SourceFields {
  readonly source: string;
  readonly page: number | null;
  readonly chunk_id: number;
  /** In [0, 1], higher is better. */
  readonly score: number;
  readonly content: string;
  readonly document_id: number;
  /** Fetches the chunk again (a viewer's highlight). */
  readonly chunk_row_id: number;
  readonly title: string | null;
}

/** A cited chunk without its text: what chat history keeps under an answer. */
export type CitedSource = Omit<SourceFields, "content">;

/** A cited chunk under h2oGPT's names: `{source, page, chunk_id, score, content}` first, then ids for fetching it again. */
export function sourceFields(hit: ScoredChunk): SourceFields {
  return {
    source: hit.source,
    page: hit.page,
    chunk_id: hit.chunkId,
    score: Number(hit.score.toFixed(4)),
    content: hit.content,
    document_id: hit.documentId,
    chunk_row_id: hit.chunkRowId,
    title: hit.title
  };
}
