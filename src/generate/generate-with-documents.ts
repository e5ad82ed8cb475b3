import type {ScoredChunk} from "../docs/index.js";
import {startGeneration, type GenerationIo} from "../engine/index.js";
import {UsageError} from "../errors/index.js";
import {
  NO_DOCUMENTS_TO_QUERY,
  NO_DOCUMENTS_TO_SUMMARIZE,
  orderDocuments,
  queryMessage,
  summaryMessage,
  type DocsOrderingType,
  type DocsTokenHandling,
  type DocumentPromptTexts,
  type DocumentSubset,
  type LangchainAction
} from "./document-prompts.js";
import {formatSources} from "./format-sources.js";
import {generateStream} from "./generate-stream.js";
import {GENERATION_DEFAULTS, type GenerateOptions, type GenerateResult} from "./generate-options.js";
import {messagesToChat} from "./messages-to-chat.js";
import {planPrompt, type PromptPlan} from "./plan-prompt.js";

/** Where document chunks come from: a collection of the docs stage, seen as one user sees it. */
export interface DocumentRetriever {
  /** The chunks that best answer `query`, best first. */
  search(query: string, topK: number, sources?: readonly string[]): Promise<ScoredChunk[]>;
  /** Whole documents' chunks in document order (Summarize and Extract without a focus, TopKSources). */
  inOrder(limit: number | undefined, sources?: readonly string[]): Promise<ScoredChunk[]>;
}

export interface DocumentOptions extends DocumentPromptTexts {
  readonly retriever: DocumentRetriever;
  /** The collection's name, reported back (h2oGPT's langchain_mode). */
  readonly langchainMode: string;
  readonly langchainAction?: LangchainAction;
  /** Chunks to retrieve: default 10 for Query; -1 = as many as fit (Query) or every chunk (Summarize, Extract, the default there). */
  readonly topKDocs?: number;
  readonly docsOrderingType?: DocsOrderingType;
  readonly docsTokenHandling?: DocsTokenHandling;
  /** Answer from the model alone, and say so, when no chunk matches (default true). */
  readonly useLlmIfNoDocs?: boolean;
  /** Relevant (default) answers; RelSources and TopKSources return sources only, without the model. */
  readonly documentSubset?: DocumentSubset;
  /** Only these sources (h2oGPT's document_choice). */
  readonly documentChoice?: readonly string[];
  readonly onProgress?: (progress: {stage: "map" | "reduce"; done: number; total: number}) => void;
}

export interface DocumentGenerateResult extends GenerateResult {
  readonly langchainMode: string;
  readonly langchainAction: LangchainAction;
  /** The chunks that were put in the (last) prompt, best first, whatever their order in the prompt. */
  readonly sources: readonly ScoredChunk[];
  readonly chunksRetrieved: number;
  readonly chunksUsed: number;
  /** Retrieved chunks left out because the context was full. */
  readonly chunksDropped: number;
  /** Set when the answer did not come from documents: none matched (the model answered alone) or sources only. */
  readonly note?: string;
  /** Map-reduce prompts (Summarize / Extract over more than one context's worth). */
  readonly mapPrompts: number;
}

/** As many chunks as fit when top_k_docs is -1 and a question asks: bounded so retrieval stays fast. */
const MAX_FILL = 1000;
/** A chunk cut to fit (split_or_merge) must keep at least this many tokens to be worth it. */
const MIN_SPLIT_TOKENS = 32;

type Conversation = {systemPrompt: string | null | undefined; history: readonly (readonly [string | null, string | null])[]; question: string};

function conversationOf(options: GenerateOptions): Conversation {
  if (options.messages != null) {
    const chat = messagesToChat(options.messages);
    return {systemPrompt: chat.systemPrompt ?? options.systemPrompt, history: chat.history, question: chat.instruction};
  }
  return {systemPrompt: options.systemPrompt, history: options.history ?? [], question: options.instruction ?? ""};
}

function answerReserve(options: GenerateOptions): number {
  const contextLength = options.engine.info.contextLength;
  const requested = options.maxNewTokens ?? GENERATION_DEFAULTS.maxNewTokens;
  return Math.max(1, Math.min(requested, options.minMaxNewTokens ?? GENERATION_DEFAULTS.minMaxNewTokens, Math.floor(contextLength / 2)));
}

/**
 * h2oGPT's document Q&A on the generate stage: retrieve, fit the chunks to the context by tokens (best first,
 * never overflowing: a chunk that does not fit is dropped, or cut to fit with split_or_merge), order them, wrap the
 * document prompt in the model's prompt type like any message, and generate. Summarize and Extract map-reduce
 * over groups of chunks that each fit, so a document far larger than the context can be summarized. Only a
 * question that alone does not fit is a ContextOverflowError.
 *
 * @example
 * const {stream, result} = generateWithDocuments({engine, instruction: "How many vacation days carry over?",
 *   langchainMode: "UserData", retriever});
 * for await (const text of stream) process.stdout.write(text);
 * console.log((await result).sources.map((s) => s.source));
 */
export function generateWithDocuments(options: GenerateOptions & DocumentOptions): {
  readonly stream: AsyncIterable<string>;
  readonly result: Promise<DocumentGenerateResult>;
  /**
   * Resolves when a map-reduce starts its map prompts: its first token comes only after all of them, so a server
   * answering a stream should send its headers then rather than hold them. Never settles for other requests,
   * whose first token (or failure) comes first.
   */
  readonly mapping: Promise<void>;
} {
  let markMapping: () => void = () => undefined;
  const mapping = new Promise<void>((resolve) => (markMapping = resolve));
  return {...startGeneration(options.signal, (io) => run({...options, onMapStart: markMapping}, io)), mapping};
}

type RunOptions = GenerateOptions & DocumentOptions & {readonly onMapStart?: () => void};

async function run(options: RunOptions, io: GenerationIo): Promise<DocumentGenerateResult> {
  if (options.prompt != null) throw new UsageError("a raw prompt cannot be answered from documents: give an instruction or messages");
  const action = options.langchainAction ?? "Query";
  const conversation = conversationOf(options);
  const subset = options.documentSubset ?? "Relevant";
  const focus = conversation.question.trim();
  if (action === "Query" && focus === "" && subset === "Relevant") throw new UsageError("nothing to answer: a Query needs an instruction");
  const topK = options.topKDocs ?? (action === "Query" ? 10 : -1);
  if (!Number.isInteger(topK) || (topK < 1 && topK !== -1)) throw new UsageError(`top_k_docs must be a positive integer or -1, got ${topK}`);

  const limit = topK === -1 ? undefined : topK;
  const retrieved =
    subset === "TopKSources" || (action !== "Query" && focus === "")
      ? await options.retriever.inOrder(subset === "TopKSources" ? (limit ?? 10) : limit, options.documentChoice)
      : await options.retriever.search(focus, limit ?? MAX_FILL, options.documentChoice);
  const base = {langchainMode: options.langchainMode, langchainAction: action, chunksRetrieved: retrieved.length, mapPrompts: 0};

  if (subset !== "Relevant") return sourcesOnly(options, retrieved, base, subset, io);
  if (retrieved.length === 0) {
    if (action !== "Query") return fixedAnswer(options, NO_DOCUMENTS_TO_SUMMARIZE, base, "no documents", io);
    if (options.useLlmIfNoDocs === false) return fixedAnswer(options, NO_DOCUMENTS_TO_QUERY, base, "no documents", io);
    const plain = await stream({...options, onProgress: undefined}, conversation.question, io);
    return {...plain, ...base, sources: [], chunksUsed: 0, chunksDropped: 0, note: `no documents in ${options.langchainMode} matched; answered from the model alone`};
  }

  const message = (documents: readonly string[]): string =>
    action === "Query" ? queryMessage({...options, documents, question: conversation.question}) : summaryMessage({...options, documents, focus});
  if (action === "Query") {
    const fitted = await fitChunks(options, retrieved, message);
    const ordered = orderDocuments(fitted.chunks, options.docsOrderingType ?? "best_near_prompt");
    const result = await stream(options, message(ordered.map((chunk) => chunk.content)), io);
    return {...result, ...base, sources: fitted.sources, chunksUsed: fitted.chunks.length, chunksDropped: retrieved.length - fitted.sources.length};
  }
  return mapReduce(options, retrieved, message, base, io);
}

/** One generation with `message` as the user's turn (history and system prompt as the caller gave them). */
async function stream(options: GenerateOptions & DocumentOptions, message: string, io: GenerationIo, quiet = false): Promise<GenerateResult> {
  const conversation = conversationOf(options);
  const generation = generateStream({
    ...options,
    messages: undefined,
    instruction: message,
    history: conversation.history,
    systemPrompt: conversation.systemPrompt,
    signal: io.signal
  });
  for await (const text of generation.stream) if (!quiet) io.emit(text);
  return generation.result;
}

interface Fitted {
  /** What goes in the prompt, best first (a split chunk holds its cut text). */
  readonly chunks: ScoredChunk[];
  /** The chunks as retrieved, for citing. */
  readonly sources: ScoredChunk[];
}

/**
 * The best chunks that fit beside the question, the history and the answer's reserve: each costs its tokens plus
 * the joiner's; the rendered prompt is counted at the end and the weakest chunk dropped until it fits, so token
 * merging at chunk borders can never overflow the context.
 */
async function fitChunks(options: GenerateOptions & DocumentOptions, chunks: readonly ScoredChunk[], message: (documents: readonly string[]) => string): Promise<Fitted> {
  const {engine} = options;
  const contextLength = engine.info.contextLength;
  const limit = contextLength - answerReserve(options);
  const conversation = conversationOf(options);
  const planFor = (text: string) => planPrompt({...options, messages: undefined, instruction: text, history: conversation.history, systemPrompt: conversation.systemPrompt}) as PromptPlan<unknown>;
  const promptTokens = async (documents: readonly string[], keepHistory: boolean): Promise<number> => {
    const plan = planFor(message(documents));
    return plan.count(plan.render(keepHistory ? plan.historyTurns : 0, 0));
  };
  const withHistory = await promptTokens([""], true);
  const withoutHistory = conversation.history.length === 0 ? withHistory : await promptTokens([""], false);
  // Documents may take up to half of what dropping the history would free: the generate stage then drops history to fit.
  const budget = Math.max(limit - withHistory, Math.floor((limit - withoutHistory) / 2));
  const joiner = await engine.countTokens(options.docsJoiner ?? "\n\n");
  const chosen: ScoredChunk[] = [];
  const sources: ScoredChunk[] = [];
  let used = 0;
  for (const chunk of chunks) {
    if (used >= budget) break;
    const cost = (await engine.countTokens(chunk.content)) + joiner;
    if (used + cost <= budget) {
      chosen.push(chunk);
      sources.push(chunk);
      used += cost;
      continue;
    }
    const room = budget - used - joiner;
    if ((options.docsTokenHandling ?? "split_or_merge") === "split_or_merge" && room >= MIN_SPLIT_TOKENS) {
      const text = await prefixWithin(chunk.content, room, (piece) => engine.countTokens(piece));
      if (text !== "") {
        chosen.push({...chunk, content: text, end: chunk.start + text.length});
        sources.push(chunk);
        used = budget;
      }
    }
  }
  while (chosen.length > 0 && (await promptTokens(chosen.map((chunk) => chunk.content), false)) > limit) {
    chosen.pop();
    sources.pop();
  }
  return {chunks: chosen, sources};
}

/** The longest prefix of `text` (cut at a space where possible) that takes at most `tokens` tokens. */
async function prefixWithin(text: string, tokens: number, count: (text: string) => Promise<number>): Promise<string> {
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if ((await count(text.slice(0, mid))) <= tokens) low = mid;
    else high = mid - 1;
  }
  const space = text.lastIndexOf(" ", low);
  return text.slice(0, space > low / 2 ? space : low).trimEnd();
}

/**
 * Summarize / Extract: chunks packed into groups that each fit one prompt; each group is summarized (map); for
 * Summarize the summaries are packed and summarized again until one prompt holds them all (reduce), and that
 * last step streams. Intermediate answers get at most a third of the room, so each round at least halves the
 * count and the loop ends. Extract returns the map step's answers, one per group, in document order.
 */
async function mapReduce(
  options: RunOptions,
  chunks: readonly ScoredChunk[],
  message: (documents: readonly string[]) => string,
  base: {langchainMode: string; langchainAction: LangchainAction; chunksRetrieved: number},
  io: GenerationIo
): Promise<DocumentGenerateResult> {
  const action = base.langchainAction;
  const groups = await pack(options, chunks.map((chunk) => chunk.content), message);
  const sources = [...chunks].sort((a, b) => b.score - a.score);
  const finish = (result: GenerateResult, prompts: number): DocumentGenerateResult => ({
    ...result,
    ...base,
    sources,
    chunksUsed: chunks.length,
    chunksDropped: 0,
    mapPrompts: prompts
  });
  if (groups.length === 1) return finish(await stream(options, message(groups[0]!), io), 1);
  options.onMapStart?.();

  const contextLength = options.engine.info.contextLength;
  // Intermediate prompts are about the documents alone: no chat history, and short answers.
  const intermediate = {
    ...options,
    messages: undefined,
    history: [],
    systemPrompt: conversationOf(options).systemPrompt,
    maxNewTokens: Math.max(16, Math.min(answerReserve(options), Math.floor(contextLength / 3)))
  };
  let prompts = 0;
  let texts: string[] = [];
  for (const [index, group] of groups.entries()) {
    const result = await stream(intermediate, message(group), io, true);
    prompts++;
    texts.push(result.response.trim());
    options.onProgress?.({stage: "map", done: index + 1, total: groups.length});
  }
  if (action === "Extract") {
    const response = texts.filter((text) => text !== "").join("\n\n");
    io.emit(response);
    return finish({...emptyResult(options), response}, prompts);
  }
  for (let round = 1; ; round++) {
    const packed = await pack(options, texts, message);
    if (packed.length === 1) return finish(await stream(options, message(packed[0]!), io), prompts + 1);
    const next: string[] = [];
    for (const [index, group] of packed.entries()) {
      next.push((await stream(intermediate, message(group), io, true)).response.trim());
      prompts++;
      options.onProgress?.({stage: "reduce", done: index + 1, total: packed.length});
    }
    if (next.length >= texts.length) throw new UsageError(`summarizing does not converge (round ${round}): the context is too small for the summary prompt`);
    texts = next;
  }
}

/** Texts grouped in order so that each group's prompt fits with the answer's reserve; a text too long alone is cut to fit. */
async function pack(options: GenerateOptions & DocumentOptions, texts: readonly string[], message: (documents: readonly string[]) => string): Promise<string[][]> {
  const {engine} = options;
  const limit = engine.info.contextLength - answerReserve(options);
  const conversation = conversationOf(options);
  const count = async (documents: readonly string[]): Promise<number> => {
    const plan = planPrompt({...options, messages: undefined, instruction: message(documents), history: [], systemPrompt: conversation.systemPrompt}) as PromptPlan<unknown>;
    return plan.count(plan.render(0, 0));
  };
  const empty = await count([""]);
  const joiner = await engine.countTokens(options.docsJoiner ?? "\n\n");
  const budget = limit - empty;
  if (budget < MIN_SPLIT_TOKENS)
    throw new UsageError(`the summary prompt leaves ${budget} tokens of the ${engine.info.contextLength}-token context for documents; lower max_new_tokens or raise max_seq_len`);
  const groups: string[][] = [];
  let group: string[] = [];
  let used = 0;
  for (const text of texts) {
    let piece = text;
    let cost = (await engine.countTokens(piece)) + joiner;
    if (cost > budget) {
      piece = await prefixWithin(piece, budget - joiner, (value) => engine.countTokens(value));
      cost = budget;
    }
    if (used + cost > budget && group.length > 0) {
      groups.push(group);
      group = [];
      used = 0;
    }
    group.push(piece);
    used += cost;
  }
  if (group.length > 0) groups.push(group);
  // Counting pieces apart may miss a token merged at a border: check each group as rendered, and split any that overflows.
  const checked: string[][] = [];
  for (const candidate of groups) {
    if (candidate.length > 1 && (await count(candidate)) > limit) {
      const half = Math.ceil(candidate.length / 2);
      checked.push(candidate.slice(0, half), candidate.slice(half));
    } else checked.push(candidate);
  }
  return checked;
}

function emptyResult(options: GenerateOptions): GenerateResult {
  return {
    response: "",
    sequences: [],
    promptRaw: "",
    promptType: String(options.promptType ?? ""),
    promptTokens: 0,
    completionTokens: 0,
    maxNewTokens: 0,
    stopReason: "stop",
    turnsDropped: 0,
    truncatedChars: 0
  };
}

async function fixedAnswer(
  options: GenerateOptions,
  text: string,
  base: {langchainMode: string; langchainAction: LangchainAction; chunksRetrieved: number; mapPrompts: number},
  note: string,
  io: GenerationIo
): Promise<DocumentGenerateResult> {
  io.emit(text);
  return {...emptyResult(options), response: text, ...base, sources: [], chunksUsed: 0, chunksDropped: 0, note};
}

async function sourcesOnly(
  options: GenerateOptions & DocumentOptions,
  chunks: readonly ScoredChunk[],
  base: {langchainMode: string; langchainAction: LangchainAction; chunksRetrieved: number; mapPrompts: number},
  subset: DocumentSubset,
  io: GenerationIo
): Promise<DocumentGenerateResult> {
  const text = chunks.length === 0 ? NO_DOCUMENTS_TO_QUERY : formatSources(chunks);
  io.emit(text);
  return {...emptyResult(options), response: text, ...base, sources: [...chunks], chunksUsed: 0, chunksDropped: 0, note: `${subset}: sources only, no model answer`};
}
