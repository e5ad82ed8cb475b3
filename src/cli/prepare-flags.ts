import {resolve} from "node:path";
import {UsageError} from "../errors/index.js";
import {EXCESS_LENGTH_STRATEGIES, type ExcessLengthStrategy, type PrepareOptions} from "../data/index.js";
import {loadChatTemplate} from "../prompts/index.js";
import type {ParsedFlags} from "./args.js";
import type {CommandIo} from "./command.js";

/** How records become training rows: the flags `h2ogpt prepare` and `h2ogpt finetune` share (h2oGPT's names). */
export const PREPARE_RECORD_FLAGS = {
  data_col_dict: {kind: "string", description: "column renames, e.g. \"{'A': 'input', 'B': 'output'}\" (JSON or Python dict)"},
  prompt_type: {kind: "string", description: "prompt type for records without their own (name or number)", defaultText: "plain"},
  prompt_dict: {kind: "string", description: "prompt_dict for prompt_type custom (JSON or Python dict)"},
  system_prompt: {kind: "string", description: "system prompt ('' for none)", defaultText: "the prompt type's own"},
  chat_template: {
    kind: "string",
    description: "chat template for prompt_type unknown/template: a Jinja file, tokenizer_config.json or .gguf",
    defaultText: "the tokenizer's"
  },
  cutoff_len: {kind: "number", description: "most tokens per row", defaultText: "512"},
  add_eos_token: {kind: "boolean", description: "append EOS when the row does not end with it and there is room", defaultText: "False"},
  train_on_inputs: {kind: "boolean", description: "False sets the labels of prompt tokens to -100", defaultText: "True"},
  excess_length_strategy: {kind: "string", description: "rows over --cutoff_len: truncate, drop or raise", defaultText: "truncate"},
  drop_truncations: {kind: "boolean", description: "h2oGPT's spelling of --excess_length_strategy=drop", defaultText: "False"},
  val_set_size: {kind: "number", description: "validation rows taken from --data_path: a count, or a fraction below 1", defaultText: "0"}
} as const;

/** --drop_truncations (h2oGPT's finetune.py flag) and --excess_length_strategy must agree when both are given. */
function excessLengthStrategy(strategy: string | undefined, dropTruncations: boolean | undefined): ExcessLengthStrategy | undefined {
  if (strategy != null && !(EXCESS_LENGTH_STRATEGIES as readonly string[]).includes(strategy))
    throw new UsageError(`--excess_length_strategy: expected ${EXCESS_LENGTH_STRATEGIES.join(", ")}, got '${strategy}'`);
  if (dropTruncations === true && strategy != null && strategy !== "drop")
    throw new UsageError(`--drop_truncations=True means --excess_length_strategy=drop, not ${strategy}`);
  return dropTruncations === true ? "drop" : (strategy as ExcessLengthStrategy | undefined);
}

/** The prepare options the shared flags set (the rest — paths, output, workers — is each command's own). */
export async function prepareOptionsFromFlags(
  flags: ParsedFlags<typeof PREPARE_RECORD_FLAGS>,
  io: Pick<CommandIo, "cwd">
): Promise<Partial<PrepareOptions>> {
  return {
    dataColDict: flags.data_col_dict,
    promptType: flags.prompt_type,
    promptDict: flags.prompt_dict,
    systemPrompt: flags.system_prompt,
    chatTemplate: flags.chat_template == null ? undefined : (await loadChatTemplate(resolve(io.cwd, flags.chat_template))).template,
    cutoffLen: flags.cutoff_len,
    addEosToken: flags.add_eos_token,
    trainOnInputs: flags.train_on_inputs,
    excessLengthStrategy: excessLengthStrategy(flags.excess_length_strategy, flags.drop_truncations),
    valSetSize: flags.val_set_size
  };
}
