import {h} from "./dom.js";
import type {ModelInfo, ServerInfo, Settings} from "./types.js";

/** The expert panel: prompt type, system prompt and sampling settings (kept in localStorage), plus model info. */

const STORAGE_KEY = "h2ogpt.settings";

interface NumberField {
  readonly key: keyof Omit<Settings, "prompt_type" | "system_prompt">;
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly hint: string;
}

function numberFields(info: ServerInfo): NumberField[] {
  return [
    {key: "temperature", label: "Temperature", min: 0, max: 2, step: 0.05, hint: "0 = greedy, the same answer every time"},
    {key: "top_p", label: "Top p", min: 0.01, max: 1, step: 0.01, hint: "nucleus sampling"},
    {key: "top_k", label: "Top k", min: 0, max: 200, step: 1, hint: "0 = no limit"},
    {key: "max_new_tokens", label: "Max new tokens", min: 1, max: info.limits.max_new_tokens_cap, step: 1, hint: `at most ${info.limits.max_new_tokens_cap} on this server`},
    {key: "repetition_penalty", label: "Repetition penalty", min: 0.5, max: 2, step: 0.01, hint: "1 = off"}
  ];
}

function defaults(info: ServerInfo): Settings {
  return {
    prompt_type: "",
    system_prompt: "",
    temperature: 0,
    top_p: 1,
    top_k: 1,
    max_new_tokens: info.limits.default_max_new_tokens,
    repetition_penalty: 1
  };
}

function load(info: ServerInfo): Settings {
  const base = defaults(info);
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "{}") as Partial<Settings>;
    return {...base, ...saved};
  } catch {
    return base;
  }
}

function clamp(value: number, field: NumberField, fallback: number): number {
  if (!Number.isFinite(value)) return fallback;
  const bounded = Math.min(field.max, Math.max(field.min, value));
  return field.step >= 1 ? Math.round(bounded) : bounded;
}

export interface ExpertPanel {
  readonly element: HTMLElement;
  values(): Settings;
  showModels(models: readonly ModelInfo[]): void;
}

export function createExpertPanel(info: ServerInfo): ExpertPanel {
  const settings = load(info);
  const fallback = defaults(info);
  const save = (): void => localStorage.setItem(STORAGE_KEY, JSON.stringify(settings));

  const promptType = h(
    "select",
    {attrs: {id: "prompt-type", name: "prompt_type"}, on: {change: () => ((settings.prompt_type = promptType.value), save())}},
    h("option", {attrs: {value: ""}, text: "model default"}),
    ...info.prompt_types.map((name) => h("option", {attrs: {value: name}, text: name}))
  );
  promptType.value = info.prompt_types.includes(settings.prompt_type) ? settings.prompt_type : "";

  const systemPrompt = h("textarea", {
    attrs: {id: "system-prompt", rows: 3, placeholder: "model default"},
    on: {input: () => ((settings.system_prompt = systemPrompt.value), save())}
  });
  systemPrompt.value = settings.system_prompt;

  const numberRows = numberFields(info).map((field) => {
    settings[field.key] = clamp(Number(settings[field.key]), field, fallback[field.key]);
    const input = h("input", {
      attrs: {id: `setting-${field.key}`, type: "number", min: field.min, max: field.max, step: field.step, inputmode: "decimal"},
      on: {
        change: () => {
          settings[field.key] = clamp(Number(input.value), field, fallback[field.key]);
          input.value = String(settings[field.key]);
          save();
        }
      }
    });
    input.value = String(settings[field.key]);
    return h("label", {className: "field"}, h("span", {text: field.label}), input, h("small", {text: field.hint}));
  });

  const modelInfo = h("dl", {className: "model-info", attrs: {id: "model-info"}});
  const element = h(
    "aside",
    {className: "expert", attrs: {id: "expert-panel", "aria-label": "Expert settings"}},
    h("h2", {text: "Expert settings"}),
    h("label", {className: "field"}, h("span", {text: "Prompt type"}), promptType),
    h("label", {className: "field"}, h("span", {text: "System prompt"}), systemPrompt),
    ...numberRows,
    h("h2", {text: "Model"}),
    modelInfo
  );

  return {
    element,
    values: () => ({...settings}),
    showModels(models) {
      modelInfo.replaceChildren(
        ...models.flatMap((model) => [
          h("dt", {text: model.name}),
          h("dd", {text: `${model.engine} · context ${model.context_length} tokens · ${model.sequences} at once`}),
          ...(model.prompt_type == null ? [] : [h("dd", {text: `prompt type ${model.prompt_type}`})]),
          ...Object.entries(model.details).map(([key, value]) => h("dd", {text: `${key}: ${value}`}))
        ])
      );
    }
  };
}
