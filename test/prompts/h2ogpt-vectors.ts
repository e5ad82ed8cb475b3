import {readFileSync} from "node:fs";
import {fileURLToPath} from "node:url";

/**
 * Golden vectors produced by running h2oGPT's own Python (src/prompter.py get_prompt/generate_prompt/Prompter,
 * gen.py history_to_context; see `source` in the file and docs/prompt-types.md "How the tests are made").
 * `fixed` holds the same vectors computed by h2oGPT's code with only the values our deliberate fixes change.
 */
export type Outcome<T = string> = {readonly value: T; readonly error?: undefined} | {readonly error: string; readonly value?: undefined};

export interface H2oParts {
  readonly promptA: string | null;
  readonly promptB: string | null;
  readonly PreInstruct: string | null;
  readonly PreInput: string | null;
  readonly PreResponse: string | null;
  readonly terminate_response: readonly string[] | null;
  readonly chat_sep: string;
  readonly chat_turn_sep: string;
  readonly humanstr: string | null;
  readonly botstr: string | null;
  readonly generates_leading_space: boolean;
  readonly system_prompt: string | null;
  readonly can_handle_system_prompt: boolean;
}

export interface TypeVectors {
  readonly name: string;
  readonly parts: Readonly<Record<string, Outcome<H2oParts>>>;
  readonly stop: Readonly<Record<string, Outcome<readonly string[]>>>;
  readonly train: Readonly<Record<string, Readonly<Record<string, Outcome>>>>;
  readonly chat1: Readonly<Record<string, Outcome>>;
  readonly chat3: Readonly<Record<string, Outcome>>;
}

export interface ExtractionCase {
  readonly bodies: readonly string[];
  readonly h2ogpt: Outcome;
  readonly earliest?: Outcome;
}

export interface ExtractionVectors {
  readonly prompt: string;
  readonly cases: readonly ExtractionCase[];
  readonly tags: {readonly output: string; readonly h2ogpt: Outcome} | null;
}

export interface TemplateVectors {
  readonly template: string;
  readonly special: {readonly bos_token: string; readonly eos_token: string};
  readonly renders: Readonly<Record<string, {readonly generation: Outcome; readonly no_generation: Outcome}>>;
}

export interface H2oGptVectors {
  readonly source: Readonly<Record<string, unknown>>;
  readonly records: Readonly<Record<string, {instruction?: string; input?: string; output?: string; context?: string}>>;
  readonly system_prompts: readonly string[];
  readonly history3: readonly [string, string | null][];
  readonly history1: readonly [string, string | null][];
  readonly fake_system_user: string;
  readonly enum: Readonly<Record<string, number>>;
  readonly types: readonly TypeVectors[];
  readonly custom: Readonly<Record<string, TypeVectors>>;
  readonly prompt_dicts: Readonly<Record<string, string | Record<string, unknown>>>;
  readonly fixed: {
    readonly types: Readonly<Record<string, TypeVectors>>;
    readonly custom: Readonly<Record<string, TypeVectors>>;
    readonly extraction: Readonly<Record<string, ExtractionVectors | null>>;
  };
  readonly extraction: Readonly<Record<string, ExtractionVectors | null>>;
  readonly model_names: Readonly<Record<string, string>>;
  readonly chat_templates: {
    readonly system: string;
    readonly message_lists: Readonly<Record<string, readonly {role: "system" | "user" | "assistant"; content: string}[]>>;
    readonly templates: Readonly<Record<string, TemplateVectors>>;
  };
  readonly test_prompter: {
    readonly with_context: readonly {
      prompt_type: string;
      system_prompt: string;
      chat_conversation: readonly [string, string][] | null;
      expected: string;
    }[];
    readonly no_context: readonly {prompt_type: string; system_prompt: string; expected: string}[];
  };
}

export const h2ogptVectors: H2oGptVectors = JSON.parse(
  readFileSync(fileURLToPath(new URL("./fixtures/h2ogpt-vectors.json", import.meta.url)), "utf8")
);

/** The clock the vectors were made with (human_bot_orig's date lines). */
export const VECTOR_CLOCK = {now: new Date("2024-03-05T14:07:09Z"), timeZone: "UTC"} as const;

/** Per system prompt, keyed `context1`, `context3`, `input1`, `input3`, `context_input1`, `context_input3` (1 or 3 = history1 / history3). */
export interface ContextTypeVectors {
  readonly name: string;
  readonly [systemPrompt: string]: string | Readonly<Record<string, Outcome>>;
}

/**
 * h2oGPT's inference prompt with a `context` and an `iinput` (test/prompts/fixtures/h2ogpt-context-vectors.json),
 * from the same transcribed h2oGPT code, with Prompter.generate_prompt called as gen.py's get_limited_prompt calls
 * it (see `source.note` in the file and docs/prompt-types.md).
 */
export interface H2oGptContextVectors {
  readonly source: Readonly<Record<string, unknown>>;
  readonly context: string;
  readonly input: string;
  readonly histories: Readonly<Record<"1" | "3", readonly [string, string | null][]>>;
  readonly types: readonly ContextTypeVectors[];
  readonly custom: Readonly<Record<string, ContextTypeVectors>>;
  readonly fixed: {
    readonly types: Readonly<Record<string, ContextTypeVectors>>;
    readonly custom: Readonly<Record<string, ContextTypeVectors>>;
  };
}

export const h2ogptContextVectors: H2oGptContextVectors = JSON.parse(
  readFileSync(fileURLToPath(new URL("./fixtures/h2ogpt-context-vectors.json", import.meta.url)), "utf8")
);
