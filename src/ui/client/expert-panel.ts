import {h} from "./dom.js";
import {promptDictProblem} from "./prompt-dict.js";
import type {ChatSettings, GenerationDefaults, ModelInfo, ServerInfo} from "./types.js";

/**
 * The expert panel: prompt type (with the prompt_dict editor for `custom`), system prompt and sampling settings,
 * plus model info. The fields start from the server's effective defaults for the chosen model (`/api/info`: the
 * serve flags over h2oGPT's); only what the user changed is kept (localStorage) and sent, so a server started with
 * `--temperature=0.8` answers the UI with 0.8 until the user says otherwise. A temperature above 0 samples
 * (do_sample), and then top k is never 1 (which would make sampling greedy again). The system prompt and the
 * context belong to the chat (saved with it on the server), not to the browser.
 */

const STORAGE_KEY = "h2ogpt.settings.changed";

type NumberKey = "temperature" | "top_p" | "top_k" | "max_new_tokens" | "repetition_penalty" | "min_new_tokens" | "max_time" | "seed";

/** h2oGPT's defaults for what /api/info does not list (src/generate's GENERATION_DEFAULTS); seed 0 = a new seed each time. */
const OTHER_DEFAULTS = {min_new_tokens: 0, max_time: 600, seed: 0};

/** What the user changed from the server's defaults. */
interface Changes {
  prompt_type?: string;
  prompt_dict?: string;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  max_new_tokens?: number;
  repetition_penalty?: number;
  min_new_tokens?: number;
  max_time?: number;
  seed?: number;
}

interface NumberField {
  readonly key: NumberKey;
  readonly label: string;
  readonly min: number;
  readonly step: number;
  readonly hint: string;
}

const NUMBER_FIELDS: readonly NumberField[] = [
  {key: "temperature", label: "Temperature", min: 0, step: 0.05, hint: "0 = greedy; above 0 samples (do_sample)"},
  {key: "top_p", label: "Top p", min: 0.01, step: 0.01, hint: "nucleus sampling; 1 = off"},
  {key: "top_k", label: "Top k", min: 0, step: 1, hint: "0 = no limit; 1 would make sampling greedy"},
  {key: "max_new_tokens", label: "Max new tokens", min: 1, step: 1, hint: ""},
  {key: "repetition_penalty", label: "Repetition penalty", min: 0.5, step: 0.01, hint: "1 = off"},
  {key: "min_new_tokens", label: "Min new tokens", min: 0, step: 1, hint: "the answer does not end before this many"},
  {key: "max_time", label: "Max time (seconds)", min: 1, step: 1, hint: "the answer stops after this long"},
  {key: "seed", label: "Seed", min: 0, step: 1, hint: "0 = a new seed each time; any other gives repeatable samples"}
];

type Defaults = GenerationDefaults & typeof OTHER_DEFAULTS;

function fallbackDefaults(info: ServerInfo): GenerationDefaults {
  return {temperature: 0, top_p: 1, top_k: 0, repetition_penalty: 1, max_new_tokens: info.limits.default_max_new_tokens, do_sample: false};
}

function load(): Changes {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "{}") as unknown;
    if (saved == null || typeof saved !== "object" || Array.isArray(saved)) return {};
    // The system prompt was a browser-wide setting before it moved to the chat.
    const {system_prompt: _old, ...changes} = saved as Changes & {system_prompt?: string};
    return changes;
  } catch {
    return {};
  }
}

export interface ExpertPanel {
  readonly element: HTMLElement;
  readonly closeButton: HTMLButtonElement;
  /** The answer request's settings: only what differs from the server's defaults, with h2oGPT's names. */
  requestFields(): Record<string, unknown>;
  /** Why an answer cannot be asked for with these settings (a bad prompt_dict), or null. */
  problem(): string | null;
  /** The chosen models: their info, their defaults (the first one's) and the max_new_tokens limit. */
  showModels(models: readonly ModelInfo[]): void;
  /** Shows the open chat's own settings (system prompt, context); empty for a new chat. */
  showChatSettings(settings: ChatSettings | null | undefined): void;
  /** The open chat's settings as edited. */
  chatSettings(): ChatSettings;
  /** Called as the user edits the chat's settings. */
  onChatSettingsChange(listener: () => void): void;
  /** Called when anything that shapes the prompt changes (for the token budget). */
  onPromptChange(listener: () => void): void;
}

export function createExpertPanel(info: ServerInfo): ExpertPanel {
  const changes = load();
  let base: Defaults = {...fallbackDefaults(info), ...OTHER_DEFAULTS};
  const chatListeners: (() => void)[] = [];
  const promptListeners: (() => void)[] = [];
  const promptChanged = (): void => promptListeners.forEach((listener) => listener());
  const chatChanged = (): void => {
    chatListeners.forEach((listener) => listener());
    promptChanged();
  };
  let maxNewTokensLimit = info.limits.max_new_tokens_cap;
  const save = (): void => localStorage.setItem(STORAGE_KEY, JSON.stringify(changes));
  const value = (key: NumberKey): number => changes[key] ?? Math.min(base[key], key === "max_new_tokens" ? maxNewTokensLimit : Infinity);
  const MAX: Readonly<Record<Exclude<NumberKey, "max_new_tokens" | "min_new_tokens">, number>> = {temperature: 2, top_p: 1, top_k: 200, repetition_penalty: 2, max_time: 3600, seed: 2 ** 32 - 1};
  const max = (key: NumberKey): number => (key === "max_new_tokens" || key === "min_new_tokens" ? maxNewTokensLimit : MAX[key]);

  const promptType = h(
    "select",
    {attrs: {id: "prompt-type", name: "prompt_type"}, on: {change: () => (setChange("prompt_type", promptType.value || undefined), showPromptDict(), promptChanged())}},
    h("option", {attrs: {value: ""}, text: "model default"}),
    ...info.prompt_types.map((name) => h("option", {attrs: {value: name}, text: name}))
  );
  if (changes.prompt_type != null && !info.prompt_types.includes(changes.prompt_type)) delete changes.prompt_type;
  promptType.value = changes.prompt_type ?? "";

  const promptDict = h("textarea", {
    attrs: {id: "prompt-dict", rows: 4, spellcheck: false, placeholder: "{'PreInstruct': '### Question:\\n', 'PreResponse': '### Answer:\\n', 'terminate_response': ['###']}", "aria-describedby": "prompt-dict-error"},
    on: {input: () => (setChange("prompt_dict", promptDict.value.trim() === "" ? undefined : promptDict.value), showPromptDict(), promptChanged())}
  });
  promptDict.value = changes.prompt_dict ?? "";
  const promptDictError = h("small", {className: "field-error", attrs: {id: "prompt-dict-error", role: "alert"}});
  const promptDictRow = h(
    "label",
    {className: "field", attrs: {id: "prompt-dict-field"}},
    h("span", {text: "Prompt dict (for prompt type custom)"}),
    promptDict,
    h("small", {text: "JSON or a Python dict, as --prompt_dict: promptA, promptB, PreInstruct, PreInput, PreResponse, terminate_response, chat_sep, chat_turn_sep, humanstr, botstr"}),
    promptDictError
  );

  const systemPrompt = h("textarea", {attrs: {id: "system-prompt", rows: 3, placeholder: "model default"}, on: {input: chatChanged}});
  const context = h("textarea", {
    attrs: {id: "chat-context", rows: 3, placeholder: "none", "aria-describedby": "chat-context-hint"},
    on: {input: chatChanged}
  });

  const samplingNote = h("p", {className: "note", attrs: {id: "sampling-note", role: "status"}});
  const inputs = new Map<NumberKey, {input: HTMLInputElement; hint: HTMLElement; row: HTMLElement}>();
  const numberRows = NUMBER_FIELDS.map((field) => {
    const input = h("input", {
      attrs: {id: `setting-${field.key}`, type: "number", min: field.min, step: field.step, inputmode: "decimal"},
      on: {change: () => numberChanged(field, input.value)}
    });
    const hint = h("small", {text: field.hint});
    const row = h("label", {className: "field"}, h("span", {text: field.label}), input, hint);
    inputs.set(field.key, {input, hint, row});
    return row;
  });
  const reset = h("button", {
    className: "link",
    attrs: {id: "reset-settings", type: "button", title: "Forget your changes and use the server's defaults"},
    text: "Use the server's defaults",
    on: {
      click: () => {
        for (const key of Object.keys(changes) as (keyof Changes)[]) delete changes[key];
        promptType.value = "";
        promptDict.value = "";
        save();
        showPromptDict();
        showNumbers();
      }
    }
  });

  const modelInfo = h("dl", {className: "model-info", attrs: {id: "model-info"}});
  const closeButton = h("button", {className: "icon", attrs: {id: "close-expert", type: "button", "aria-label": "Close expert settings"}, text: "×"});
  const element = h(
    "aside",
    {className: "expert", attrs: {id: "expert-panel", "aria-label": "Expert settings", tabindex: -1}},
    h("div", {className: "panel-head"}, h("h2", {text: "Expert settings"}), closeButton),
    h("label", {className: "field"}, h("span", {text: "Prompt type"}), promptType),
    promptDictRow,
    h("h3", {text: "This chat"}),
    h("label", {className: "field"}, h("span", {text: "System prompt"}), systemPrompt),
    h(
      "label",
      {className: "field"},
      h("span", {text: "Context"}),
      context,
      h("small", {attrs: {id: "chat-context-hint"}, text: "text put before the conversation in every prompt (h2oGPT's context)"})
    ),
    h("h3", {text: "Generation"}),
    ...numberRows.slice(0, 1),
    samplingNote,
    ...numberRows.slice(1),
    reset,
    h("h2", {text: "Model"}),
    modelInfo
  );

  function setChange<K extends keyof Changes>(key: K, next: Changes[K] | undefined): void {
    if (next === undefined) delete changes[key];
    else changes[key] = next;
    save();
  }

  function numberChanged(field: NumberField, text: string): void {
    const number = Number(text);
    if (text.trim() !== "" && Number.isFinite(number)) {
      const bounded = Math.min(max(field.key), Math.max(field.min, number));
      const next = field.step >= 1 ? Math.round(bounded) : bounded;
      const fallback = Math.min(base[field.key], field.key === "max_new_tokens" ? maxNewTokensLimit : Infinity);
      setChange(field.key, next === fallback ? undefined : next);
    }
    showNumbers(field.key);
    if (field.key === "max_new_tokens") promptChanged();
  }

  /** A temperature above 0 samples; top k 1 would undo that, so it becomes 0 (no limit) then. */
  function keepSampling(changed?: NumberKey): string {
    if (value("temperature") > 0 && value("top_k") === 1) {
      setChange("top_k", base.top_k === 0 ? undefined : 0);
      return changed === "top_k" ? "Top k 1 would make sampling greedy: it stays 0 (no limit) while the temperature is above 0." : "Top k was 1, which makes sampling greedy: it is now 0 (no limit).";
    }
    return "";
  }

  function showNumbers(changed?: NumberKey): void {
    const adjusted = keepSampling(changed);
    for (const field of NUMBER_FIELDS) {
      const {input, hint, row} = inputs.get(field.key)!;
      input.max = String(max(field.key));
      input.value = String(value(field.key));
      row.classList.toggle("changed", changes[field.key] != null);
      if (field.key === "max_new_tokens") {
        const context = limitingContext;
        hint.textContent =
          context != null && maxNewTokensLimit < info.limits.max_new_tokens_cap
            ? `at most ${maxNewTokensLimit} here: the model's context is ${context} tokens (prompt included)`
            : `at most ${maxNewTokensLimit} on this server`;
      }
    }
    const sampling = sends().do_sample ?? (changes.temperature == null ? base.do_sample : value("temperature") > 0);
    samplingNote.textContent = [
      sampling
        ? `Sampling (do_sample): temperature ${value("temperature")}, top p ${value("top_p")}, top k ${value("top_k") || "no limit"}; answers vary.`
        : "Greedy: temperature 0 gives the same answer every time; raise it to sample.",
      adjusted
    ]
      .filter(Boolean)
      .join(" ");
    reset.hidden = Object.keys(changes).length === 0;
  }

  function showPromptDict(): void {
    const custom = promptType.value === "custom";
    promptDictRow.hidden = !custom;
    const problem = custom ? promptDictCheck() : null;
    promptDictError.textContent = problem ?? "";
    promptDict.setAttribute("aria-invalid", String(problem != null));
    reset.hidden = Object.keys(changes).length === 0;
  }

  function promptDictCheck(): string | null {
    if (promptDict.value.trim() === "") return "prompt_dict: prompt type custom needs a prompt_dict";
    return promptDictProblem(promptDict.value);
  }

  function sends(): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    if (changes.prompt_type != null) body.prompt_type = changes.prompt_type;
    if (changes.prompt_type === "custom" && changes.prompt_dict != null) body.prompt_dict = changes.prompt_dict;
    const settings = chatSettings();
    if (settings.system_prompt != null) body.system_prompt = settings.system_prompt;
    if (settings.context != null) body.context = settings.context;
    for (const field of NUMBER_FIELDS) if (changes[field.key] != null) body[field.key] = changes[field.key];
    if (changes.temperature != null) body.do_sample = changes.temperature > 0;
    return body;
  }

  function chatSettings(): ChatSettings {
    const settings: ChatSettings = {};
    if (systemPrompt.value !== "") settings.system_prompt = systemPrompt.value;
    if (context.value !== "") settings.context = context.value;
    return settings;
  }

  let limitingContext: number | null = null;
  showPromptDict();
  showNumbers();

  return {
    element,
    closeButton,
    requestFields: sends,
    problem: () => (promptType.value === "custom" ? promptDictCheck() : null),
    showModels(models) {
      base = {...(models[0]?.defaults ?? fallbackDefaults(info)), ...OTHER_DEFAULTS};
      limitingContext = models.length === 0 ? null : Math.min(...models.map((m) => m.context ?? m.context_length));
      maxNewTokensLimit = Math.min(info.limits.max_new_tokens_cap, limitingContext ?? Infinity, ...models.map((m) => m.max_new_tokens_limit ?? Infinity));
      for (const key of ["max_new_tokens", "min_new_tokens"] as const) if (changes[key] != null && changes[key] > maxNewTokensLimit) changes[key] = maxNewTokensLimit;
      showNumbers();
      modelInfo.replaceChildren(
        ...models.flatMap((model) => [
          h("dt", {text: model.name}),
          h("dd", {text: `${model.engine} · context ${model.context ?? model.context_length} tokens · ${model.sequences} at once`}),
          ...(model.prompt_type == null ? [] : [h("dd", {text: `prompt type ${model.prompt_type}`})]),
          ...(model.defaults == null
            ? []
            : [h("dd", {text: `defaults: temperature ${model.defaults.temperature}, top p ${model.defaults.top_p}, top k ${model.defaults.top_k || "no limit"}`})]),
          ...Object.entries(model.details).map(([key, value]) => h("dd", {text: `${key}: ${value}`}))
        ])
      );
    },
    showChatSettings(settings) {
      systemPrompt.value = settings?.system_prompt ?? "";
      context.value = settings?.context ?? "";
      promptChanged();
    },
    chatSettings,
    onChatSettingsChange: (listener) => void chatListeners.push(listener),
    onPromptChange: (listener) => void promptListeners.push(listener)
  };
}
