import {describe, expect, it} from "vitest";
import {
  detectPromptType,
  extractResponse,
  MissingChatTemplateError,
  PROMPT_TYPES,
  renderChatPrompt,
  renderChatTemplate,
  renderTrainingString,
  stopStrings
} from "../../src/prompts/index.js";
import {promptFormat} from "../../src/prompts/prompt-format.js";
import {turnParts} from "../../src/prompts/turn-parts.js";
import {h2ogptContextVectors as CV, h2ogptVectors as V, VECTOR_CLOCK, type ContextTypeVectors, type Outcome, type TypeVectors} from "./h2ogpt-vectors.js";

/**
 * Every prompt type against h2oGPT's own output (training strings, single-turn and 3-turn chat prompts with
 * system prompt auto / '' / custom, stop strings, response extraction). Where we deliberately differ, the
 * expected value comes from `V.fixed`: h2oGPT's code run with only the changed values (docs/prompt-types.md).
 */

const FIXED_TYPES = Object.keys(V.fixed.types);
const expectedFor = (name: string): TypeVectors => V.fixed.types[name] ?? V.types.find((t) => t.name === name)!;

function valueOf<T>(outcome: Outcome<T>): T {
  if (outcome.error != null) throw new Error(`fixture holds an error: ${outcome.error}`);
  return outcome.value as T;
}

describe("the prompt type table", () => {
  it("has h2oGPT's 76 types with their enum numbers, in order", () => {
    expect(PROMPT_TYPES.map((row) => [row.name, row.value])).toEqual(Object.entries(V.enum));
    expect(PROMPT_TYPES).toHaveLength(76);
  });

  it("gives h2oGPT's get_prompt values for the inference prompt of every type and system prompt", () => {
    for (const vectors of [...V.types.map((t) => expectedFor(t.name)), ...Object.values(V.fixed.custom)]) {
      const promptDict = vectors.name === "custom" ? customDictFor(vectors) : undefined;
      for (const systemPrompt of V.system_prompts) {
        const h2o = valueOf(vectors.parts[systemPrompt]!);
        const format = promptFormat({promptType: vectors.name, promptDict, systemPrompt, ...VECTOR_CLOCK});
        const parts = turnParts(format, {reduced: false, makingContext: false, histi: -1});
        const where = `${vectors.name} / system ${JSON.stringify(systemPrompt)}`;
        expect({
          promptA: parts.promptA,
          promptB: parts.promptB,
          PreInstruct: parts.preInstruct,
          PreInput: parts.preInput,
          PreResponse: parts.preResponse,
          terminate_response: format.row.terminate,
          chat_sep: parts.chatSep,
          chat_turn_sep: parts.chatTurnSep,
          humanstr: format.row.humanstr,
          botstr: format.row.botstr,
          generates_leading_space: format.row.generatesLeadingSpace,
          system_prompt: format.systemPrompt,
          can_handle_system_prompt: format.row.canHandleSystemPrompt
        }, where).toEqual({...h2o, terminate_response: h2o.terminate_response ?? [], system_prompt: h2o.system_prompt ?? ""});
      }
    }
  });
});

const customDicts = new Map(Object.entries(V.fixed.custom).map(([key, vectors]) => [vectors, V.prompt_dicts[key]!]));
function customDictFor(vectors: TypeVectors): string | Record<string, unknown> {
  return customDicts.get(vectors)!;
}

function allVectors(): {vectors: TypeVectors; promptDict?: string | Record<string, unknown>}[] {
  return [
    ...V.types.map((t) => ({vectors: expectedFor(t.name)})),
    ...Object.values(V.fixed.custom).map((vectors) => ({vectors, promptDict: customDictFor(vectors)}))
  ];
}

describe("training strings (finetune.py generate_prompt, reduced=False)", () => {
  it("equal h2oGPT's for every type, system prompt and record, with the prompt as a prefix", () => {
    let checked = 0;
    for (const {vectors, promptDict} of allVectors()) {
      for (const systemPrompt of V.system_prompts) {
        const h2oParts = valueOf(vectors.parts[systemPrompt]!);
        for (const [key, record] of Object.entries(V.records)) {
          const where = `${vectors.name} / ${key} / system ${JSON.stringify(systemPrompt)}`;
          // The fix: an input without instruction takes the instruction's place when the type has an
          // instruction marker but no input marker (h2oGPT drops the role tag there).
          const inputTakesPlace = key === "input" && h2oParts.PreInstruct != null && !h2oParts.PreInput;
          const expected = valueOf(vectors.train[systemPrompt]![inputTakesPlace ? "input_as_instruction" : key]!);
          const {text, prompt} = renderTrainingString({promptType: vectors.name, promptDict, systemPrompt, record, ...VECTOR_CLOCK});
          expect(text, where).toBe(expected);
          expect(text.startsWith(prompt), where).toBe(true);
          expect(prompt, where).toBe(text.slice(0, text.length - (record.output?.length ?? 0)));
          checked++;
        }
      }
    }
    expect(checked).toBe((75 + 2) * 3 * 5);
  });

  it("differ from h2oGPT for an input without instruction exactly where the fix applies", () => {
    const changed = V.types
      .filter((t) => !FIXED_TYPES.includes(t.name))
      .filter((t) => t.train.auto!.input!.value !== t.train.auto!.input_as_instruction!.value)
      .filter((t) => {
        const parts = valueOf(t.parts.auto!);
        return parts.PreInstruct != null && !parts.PreInput;
      })
      .map((t) => t.name);
    expect(changed).toContain("human_bot");
    expect(changed).toContain("llama2");
    expect(changed).toContain("summarize");
    expect(
      renderTrainingString({promptType: "human_bot", record: {input: "Who are you?", output: "My name is h2oGPT."}}).text
    ).toBe("<human>: Who are you?\n<bot>:My name is h2oGPT.");
  });
});

describe("chat prompts (history_to_context + Prompter.generate_prompt)", () => {
  it("equal h2oGPT's single-turn and 3-turn prompts for every type and system prompt", () => {
    for (const {vectors, promptDict} of allVectors()) {
      for (const systemPrompt of V.system_prompts) {
        for (const [history, outcome] of [
          [V.history1, vectors.chat1[systemPrompt]!],
          [V.history3, vectors.chat3[systemPrompt]!]
        ] as const) {
          const where = `${vectors.name} / ${history.length} turns / system ${JSON.stringify(systemPrompt)}`;
          const render = () => renderChatPrompt({promptType: vectors.name, promptDict, systemPrompt, history, ...VECTOR_CLOCK});
          if (outcome.error != null) {
            // h2oGPT asserts a tokenizer with a chat template for unknown/template.
            expect(outcome.error, where).toMatch(/AssertionError: Please specify prompt_type/);
            expect(render, where).toThrow(MissingChatTemplateError);
            continue;
          }
          expect(render().prompt, where).toBe(outcome.value);
        }
      }
    }
  });

  it("hold h2oGPT's tests/test_prompter.py vectors", () => {
    for (const c of V.test_prompter.with_context) {
      const history = [...(c.chat_conversation ?? []), ...V.history3];
      const prompt = renderChatPrompt({promptType: c.prompt_type, systemPrompt: c.system_prompt, history}).prompt;
      expect(prompt, `${c.prompt_type} ${c.system_prompt}`).toBe(c.expected);
    }
    for (const c of V.test_prompter.no_context) {
      const prompt = renderChatPrompt({promptType: c.prompt_type, systemPrompt: c.system_prompt, history: V.history1}).prompt;
      expect(prompt, `${c.prompt_type} ${c.system_prompt}`).toBe(c.expected);
    }
    expect(V.test_prompter.with_context.length + V.test_prompter.no_context.length).toBe(34);
  });

  it("give h2oGPT's stop sequences", () => {
    for (const {vectors, promptDict} of allVectors())
      for (const systemPrompt of V.system_prompts) {
        const ours = stopStrings({promptType: vectors.name, promptDict, systemPrompt});
        expect([...ours].sort(), vectors.name).toEqual(valueOf(vectors.stop[systemPrompt]!));
        expect(new Set(ours).size).toBe(ours.length);
      }
  });
});

describe("inference prompts with h2oGPT's context and iinput (Prompter.generate_prompt as get_limited_prompt calls it)", () => {
  const contextVectorsFor = (name: string): ContextTypeVectors => CV.fixed.types[name] ?? CV.types.find((t) => t.name === name)!;
  const customKeys = new Map(Object.entries(CV.fixed.custom).map(([key, vectors]) => [vectors, key]));

  it("equal h2oGPT's for every type and system prompt, with and without history", () => {
    let checked = 0;
    const all = [...CV.types.map((t) => ({vectors: contextVectorsFor(t.name), promptDict: undefined})), ...Object.values(CV.fixed.custom).map((vectors) => ({vectors, promptDict: V.prompt_dicts[customKeys.get(vectors)!]}))];
    for (const {vectors, promptDict} of all) {
      for (const systemPrompt of V.system_prompts) {
        const cases = vectors[systemPrompt] as Readonly<Record<string, Outcome>>;
        for (const [key, outcome] of Object.entries(cases)) {
          const [, kind, turns] = /^(context|input|context_input)([13])$/.exec(key)!;
          const history = CV.histories[turns as "1" | "3"];
          const context = kind!.startsWith("context") ? CV.context : undefined;
          const input = kind!.endsWith("input") ? CV.input : undefined;
          const where = `${vectors.name} / ${key} / system ${JSON.stringify(systemPrompt)}`;
          const render = () => renderChatPrompt({promptType: vectors.name, promptDict, systemPrompt, history, context, input, ...VECTOR_CLOCK}).prompt;
          if (outcome.error != null) {
            expect(outcome.error, where).toMatch(/AssertionError: Please specify prompt_type/);
            expect(render, where).toThrow(MissingChatTemplateError);
          } else {
            expect(render(), where).toBe(outcome.value);
            checked++;
          }
        }
      }
    }
    expect(checked).toBe((75 - 2 + 2) * 3 * 6);
  });

  it("without history, a context precedes exactly the training string's prompt", () => {
    const record = {context: CV.context, instruction: V.history1[0]![0], input: CV.input};
    for (const {name} of CV.types.filter((t) => !["template", "unknown"].includes(t.name))) {
      // System prompt '' so that no first exchange (history) is added for types without a place for one.
      const chat = renderChatPrompt({promptType: name, systemPrompt: "", history: V.history1, context: CV.context, input: CV.input, ...VECTOR_CLOCK});
      expect(chat.prompt, name).toBe(renderTrainingString({promptType: name, systemPrompt: "", record, ...VECTOR_CLOCK}).prompt);
    }
  });
});

describe("deliberate differences, stated", () => {
  const h2o = (name: string) => V.types.find((t) => t.name === name)!;

  it("dai_faq renders (h2oGPT raises TypeError on its list separator)", () => {
    expect(h2o("dai_faq").chat3.auto!.error).toMatch(/TypeError: can only concatenate str \(not "list"\) to str/);
    expect(renderChatPrompt({promptType: "dai_faq", history: V.history3}).prompt).toBe(valueOf(V.fixed.types.dai_faq!.chat3.auto!));
  });

  it("gemma puts the system prompt at the start of the first user turn, not before <bos>", () => {
    expect(valueOf(h2o("gemma").chat1.auto!)).toMatch(/^I am Gemma, a conversational chat assistant developed by Google<bos>/);
    expect(renderChatPrompt({promptType: "gemma", history: V.history1}).prompt).toBe(
      "<bos><start_of_turn>user\nI am Gemma, a conversational chat assistant developed by Google\n\nGo to the market?<end_of_turn>\n<start_of_turn>model\n"
    );
    // With no system prompt h2oGPT and we agree with Gemma's own template.
    expect(renderChatPrompt({promptType: "gemma", systemPrompt: "", history: V.history1}).prompt).toBe(valueOf(h2o("gemma").chat1[""]!));
  });

  it("yi stops on <|endoftext|> (h2oGPT has the typo <|endotftext|>)", () => {
    expect(valueOf(h2o("yi").stop.auto!)).toContain("<|endotftext|>");
    expect(stopStrings({promptType: "yi"})).toEqual(["<|im_end|>", "<|endoftext|>", "<|im_end|>\n<|im_start|>assistant\n"]);
  });

  it("docsgpt sends an explicit system prompt as a first turn (h2oGPT drops it)", () => {
    const pirate = V.system_prompts[2]!;
    expect(valueOf(h2o("docsgpt").chat1[pirate]!)).not.toContain(pirate);
    expect(renderChatPrompt({promptType: "docsgpt", systemPrompt: pirate, history: V.history1}).prompt).toContain(pirate);
    expect(renderChatPrompt({promptType: "docsgpt", history: V.history1}).prompt).toBe(valueOf(h2o("docsgpt").chat1.auto!));
  });

  it("custom writes its preamble once (h2oGPT repeats it in every history turn)", () => {
    expect(valueOf(V.custom.json!.chat3.auto!)).toMatch(/^B: B: <\|user\|>/);
    const ours = renderChatPrompt({promptType: "custom", promptDict: V.prompt_dicts.json!, history: V.history3}).prompt;
    expect(ours.match(/B: /g)).toHaveLength(1);
  });
});

describe("response extraction (Prompter.get_response)", () => {
  const names = Object.keys(V.extraction).filter((name) => V.extraction[name] != null);

  it("equals h2oGPT's with the cut at the earliest terminate string", () => {
    let cases = 0;
    let earlierThanH2oGpt = 0;
    for (const name of names) {
      const vectors = V.fixed.extraction[name] ?? V.extraction[name]!;
      for (const c of vectors.cases) {
        const outputs = c.bodies.map((body) => vectors.prompt + body);
        const expected = valueOf(c.earliest ?? c.h2ogpt);
        const where = `${name} ${JSON.stringify(c.bodies)}`;
        expect(extractResponse({promptType: name, outputs, prompt: vectors.prompt, ...VECTOR_CLOCK}), where).toBe(expected);
        if (c.bodies.length === 1)
          expect(extractResponse({promptType: name, outputs: c.bodies, newText: true}), where).toBe(expected);
        if (valueOf(c.h2ogpt) !== expected) earlierThanH2oGpt++;
        cases++;
      }
      if (vectors.tags != null)
        expect(extractResponse({promptType: name, outputs: vectors.tags.output}), `${name} tags`).toBe(valueOf(vectors.tags.h2ogpt));
    }
    expect(cases).toBeGreaterThan(800);
    // h2oGPT cuts at the first terminate string in list order; these are the cases where that is not the earliest.
    expect(earlierThanH2oGpt).toBeGreaterThan(20);
  });

  it("removes human_bot's leading space and a trailing partial tag", () => {
    const prompt = "<human>: Go to the market?\n<bot>:";
    expect(extractResponse({promptType: "human_bot", prompt, outputs: `${prompt} Yes, at noon.\n<human`})).toBe("Yes, at noon.\n");
  });
});

describe("model names", () => {
  it("detects every name of h2oGPT's prompt_type_to_model_name as h2oGPT's inverse map does", () => {
    const entries = Object.entries(V.model_names);
    expect(entries.length).toBeGreaterThan(250);
    for (const [name, promptType] of entries) expect(detectPromptType({modelName: name}), name).toBe(promptType);
  });
});

describe("chat templates through @huggingface/jinja", () => {
  it("render exactly as Python's jinja2 with transformers' settings", () => {
    const {message_lists: lists, templates} = V.chat_templates;
    for (const [name, t] of Object.entries(templates)) {
      const chatTemplate = {template: t.template, bosToken: t.special.bos_token, eosToken: t.special.eos_token, source: name};
      for (const [key, renders] of Object.entries(t.renders))
        for (const [addGenerationPrompt, outcome] of [
          [true, renders.generation],
          [false, renders.no_generation]
        ] as const) {
          const render = () => renderChatTemplate({chatTemplate, messages: lists[key]!, addGenerationPrompt});
          if (outcome.error != null) expect(render, `${name} ${key}`).toThrow(outcome.error);
          else expect(render(), `${name} ${key}`).toBe(outcome.value);
        }
    }
  });
});
