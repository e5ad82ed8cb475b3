import {ContextOverflowError, UsageError} from "../errors/index.js";
import {normalizeConversation, type PromptDict} from "../prompts/index.js";
import {generate} from "./generate-stream.js";
import type {GenerateInput, GenerateOptions} from "./generate-options.js";
import {messagesToChat} from "./messages-to-chat.js";
import {generateWithDocuments, type DocumentOptions} from "./generate-with-documents.js";
import {resultFields, sourceFields, type ResultFields, type SourceFields} from "./result-fields.js";

/** A record's own prompt settings: they win over the run's. */
interface RecordPromptSettings {
  readonly promptType?: string | number;
  readonly promptDict?: PromptDict;
  readonly systemPrompt?: string;
}

/**
 * One record to answer, in the shape the data stage reads records (prepare's input formats): h2oGPT's
 * instruction/input/output, an OpenAI `messages` / ShareGPT `conversations` list as given, or a `text` record.
 */
export type EvalRecord =
  | (RecordPromptSettings & {
      readonly kind: "instruction";
      readonly instruction: string;
      readonly input: string;
      /** The reference answer ('' when the record has none). */
      readonly output: string;
      readonly context: string;
    })
  | (RecordPromptSettings & {readonly kind: "conversation"; readonly turns: readonly unknown[]; readonly field: string})
  | {readonly kind: "text"; readonly text: string};

/** What was asked, with h2oGPT's names; `output` is the record's reference answer, when it has one. */
export interface EvalQuestion {
  readonly system_prompt?: string;
  readonly history?: readonly (readonly [string | null, string])[];
  /** h2oGPT's context, when the record has one. */
  readonly context?: string;
  readonly instruction?: string;
  readonly input?: string;
  readonly output?: string;
}

/** Per-record outcome, written as one JSON line with h2oGPT's snake_case names. */
export type EvalLine =
  | (EvalQuestion & {readonly prompt_type: string; readonly prompt: string; readonly sources?: readonly SourceFields[]} & ResultFields)
  | (EvalQuestion & {readonly error: string});

type EvalSettings = Omit<GenerateOptions, keyof GenerateInput> & {
  /** Answer each record from these documents (h2oGPT's langchain_mode in eval mode); lines then carry `sources`. */
  readonly documents?: DocumentOptions;
};

/** What to ask the engine, or why the record cannot be asked (with what it would have asked). */
type EvalRequest =
  | {readonly question: EvalQuestion; readonly input: GenerateInput & Pick<GenerateOptions, "promptType" | "promptDict" | "systemPrompt">}
  | {readonly question: EvalQuestion; readonly refusal: string};

const withOutput = (output: string): {output?: string} => (output === "" ? {} : {output});

function instructionRequest(record: Extract<EvalRecord, {kind: "instruction"}>): EvalRequest {
  const {instruction, input, output, context} = record;
  const question = {...(context === "" ? {} : {context}), instruction, input, ...withOutput(output)};
  if (instruction === "" && input === "") return {question, refusal: "no instruction or input to answer"};
  return {
    question,
    input: {instruction, iinput: input, context, promptType: record.promptType, promptDict: record.promptDict, systemPrompt: record.systemPrompt}
  };
}

/** The turns before the last user message are the history, that message is answered, the assistant's reply to it is the reference. */
function conversationRequest(record: Extract<EvalRecord, {kind: "conversation"}>): EvalRequest {
  const messages = normalizeConversation(record.turns, record.field);
  const last = messages.findLastIndex((message) => message.role === "user");
  if (last === -1) return {question: {}, refusal: `${record.field}: has no user message to answer`};
  const chat = messagesToChat(messages.slice(0, last + 1));
  const reference = messages.slice(last + 1).filter((message) => message.role === "assistant").map((message) => message.content);
  const systemPrompt = chat.systemPrompt ?? record.systemPrompt;
  const question = {
    ...(systemPrompt == null ? {} : {system_prompt: systemPrompt}),
    history: chat.history,
    instruction: chat.instruction,
    ...withOutput(reference.join("\n"))
  };
  return {question, input: {instruction: chat.instruction, history: chat.history, promptType: record.promptType, promptDict: record.promptDict, systemPrompt}};
}

const REQUESTS: {readonly [K in EvalRecord["kind"]]: (record: Extract<EvalRecord, {kind: K}>) => EvalRequest} = {
  instruction: instructionRequest,
  conversation: conversationRequest,
  // A text record is plain text with no prompt part: the model continues it as it is.
  text: (record) => ({question: {}, input: {prompt: record.text}})
};

/**
 * Answers one record (h2oGPT's eval mode). The record's own prompt_type / prompt_dict / system_prompt win over
 * `options`. A problem with the record (an unusable conversation, an unknown prompt type, a context overflow)
 * is returned as the line's `error` so the run goes on; anything else (the engine failing) is thrown.
 */
export async function evaluateRecord(record: EvalRecord, options: EvalSettings): Promise<EvalLine> {
  let question: EvalQuestion = {};
  try {
    const request = (REQUESTS[record.kind] as (record: EvalRecord) => EvalRequest)(record);
    question = request.question;
    if ("refusal" in request) return {...question, error: request.refusal};
    const {promptType, promptDict, systemPrompt, ...input} = request.input;
    const {documents, ...settings} = options;
    const generateOptions = {
      ...settings,
      ...input,
      promptType: promptType ?? options.promptType,
      promptDict: promptDict ?? options.promptDict,
      systemPrompt: systemPrompt ?? options.systemPrompt
    };
    if (documents != null && input.prompt == null) {
      const result = await generateWithDocuments({...generateOptions, ...documents}).result;
      return {...question, prompt_type: result.promptType, prompt: result.promptRaw, ...resultFields(result), sources: result.sources.map(sourceFields)};
    }
    const result = await generate(generateOptions);
    return {...question, prompt_type: result.promptType, prompt: result.promptRaw, ...resultFields(result)};
  } catch (error) {
    if (error instanceof ContextOverflowError || error instanceof UsageError) return {...question, error: error.message};
    throw error;
  }
}
