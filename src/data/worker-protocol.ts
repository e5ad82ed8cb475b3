import type {LabelSettings, TokenizedBatch, TokenizeJob} from "./tokenize-batch.js";

/** The messages between TokenizerPool and its workers (tokenize-worker.ts). */
export interface TokenizeWorkerData {
  readonly tokenizerPath: string;
  readonly settings: LabelSettings;
}

/** What the main thread needs to know about the tokenizer the workers loaded. */
export interface TokenizerInfo {
  readonly eosTokenId: number | undefined;
  readonly bosToken: string | undefined;
  readonly eosToken: string | undefined;
  readonly chatTemplate: string | undefined;
}

export function tokenizerInfo(tokenizer: TokenizerInfo): TokenizerInfo {
  const {eosTokenId, bosToken, eosToken, chatTemplate} = tokenizer;
  return {eosTokenId, bosToken, eosToken, chatTemplate};
}

/** A batch to tokenize, or the request to release the tokenizer and end. */
export type WorkerRequest = {readonly type: "job"; readonly id: number; readonly job: TokenizeJob} | {readonly type: "close"};

export type WorkerReply =
  | {readonly type: "ready"; readonly info: TokenizerInfo}
  | {readonly type: "failed"; readonly message: string; readonly exitCode: number}
  | {readonly type: "done"; readonly id: number; readonly batch: TokenizedBatch}
  | {readonly type: "error"; readonly id: number; readonly message: string};
