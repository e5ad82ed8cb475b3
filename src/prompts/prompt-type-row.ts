/**
 * One prompt type as data: h2oGPT's get_prompt() values for the inference prompt (not reduced, not making
 * context), plus the few variations h2oGPT computes with branches, expressed as fields:
 * - `promptA`/`promptB` (the preamble before the first turn, A when the record has an input) may contain
 *   `{system}` (the effective system prompt), `{systemBlock}` (`systemBlock` filled with the system prompt, or
 *   nothing when the system prompt is empty) and `{date}` (human_bot_orig's date lines). The preamble is left
 *   out of reduced turns (history turns, and the current turn when there is history).
 * - `firstPreInstruct` replaces `preInstruct` on the first turn (llama2's `<s>` and system block, gemma's
 *   `<bos>`...), decided by `firstTurnRule`.
 * - `historyPreResponse` is the response marker of history turns, usually with the space the model generates.
 */
export interface PromptTypeRow {
  readonly name: string;
  /** h2oGPT's PromptType enum value. */
  readonly value: number;
  /** h2oGPT accepts simple_instruct by name only, not by number. */
  readonly byNameOnly: boolean;
  readonly promptA: string | null;
  readonly promptB: string | null;
  readonly systemBlock: string;
  readonly preInstruct: string | null;
  readonly firstPreInstruct: string | null;
  /**
   * `llama2`: first turn = a training string or single-turn prompt, or the oldest history turn (h2oGPT's
   * `making_context and histi == 0 or not making_context and not reduced`). `orion`: `not reduced or histi == 0`.
   */
  readonly firstTurnRule: "llama2" | "orion";
  readonly preInput: string | null;
  readonly preResponse: string | null;
  readonly historyPreResponse: string | null;
  /** Strings that end a response (h2oGPT's terminate_response; None is []). */
  readonly terminate: readonly string[];
  /** After a user turn (h2oGPT's chat_sep). */
  readonly chatSep: string;
  /** After a bot turn in history (h2oGPT's chat_turn_sep). */
  readonly chatTurnSep: string;
  /** Tag before the user's text, used to find a response in raw output without the prompt. */
  readonly humanstr: string | null;
  /** Tag before the bot's text. */
  readonly botstr: string | null;
  /** The model starts its answer with a space that extraction removes. */
  readonly generatesLeadingSpace: boolean;
  /** The format has a place for a system prompt; otherwise chat sends it as a first turn. */
  readonly canHandleSystemPrompt: boolean;
  /** What `auto` means; null means no system prompt. */
  readonly defaultSystemPrompt: string | null;
  /** Partial stop tags cut from the end of a response (models that emit no single stop token). */
  readonly trailingPartialTags: readonly string[];
  /** unknown/template: rendered by the model's chat template, not by these fields. */
  readonly usesChatTemplate: boolean;
  /** False only for `custom`, whose strings come from the user and are used literally. */
  readonly hasPlaceholders: boolean;
}

type Defaulted =
  | "byNameOnly"
  | "promptA"
  | "promptB"
  | "systemBlock"
  | "firstPreInstruct"
  | "firstTurnRule"
  | "preInput"
  | "historyPreResponse"
  | "terminate"
  | "chatSep"
  | "chatTurnSep"
  | "humanstr"
  | "botstr"
  | "generatesLeadingSpace"
  | "canHandleSystemPrompt"
  | "defaultSystemPrompt"
  | "trailingPartialTags"
  | "usesChatTemplate"
  | "hasPlaceholders";

export type PromptTypeRowInput = Omit<PromptTypeRow, Defaulted> & Partial<Pick<PromptTypeRow, Defaulted>>;

/** Fills h2oGPT's usual values: empty preamble, no PreInput, `\n` separators, humanstr/botstr = the markers. */
export function promptTypeRow(input: PromptTypeRowInput): PromptTypeRow {
  return {
    byNameOnly: false,
    promptA: "",
    promptB: "",
    systemBlock: "",
    firstPreInstruct: null,
    firstTurnRule: "llama2",
    preInput: null,
    historyPreResponse: null,
    terminate: [],
    chatSep: "\n",
    chatTurnSep: "\n",
    humanstr: input.preInstruct,
    botstr: input.preResponse,
    generatesLeadingSpace: false,
    canHandleSystemPrompt: false,
    defaultSystemPrompt: null,
    trailingPartialTags: [],
    usesChatTemplate: false,
    hasPlaceholders: true,
    ...input
  };
}
