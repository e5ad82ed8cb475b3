import {UsageError} from "../errors/index.js";
import {PROMPT_TYPES, type PromptTypeRow} from "../prompts/index.js";
import {defineCommand} from "./command.js";

const DEFAULT_WIDTH = 60;

function systemColumn(row: PromptTypeRow): string {
  if (row.usesChatTemplate) return "template";
  return row.canHandleSystemPrompt ? "yes" : "first turn";
}

function shorten(text: string | null): string {
  if (!text) return "-";
  const line = text.replace(/\n/g, "\\n");
  return line.length > DEFAULT_WIDTH ? `${line.slice(0, DEFAULT_WIDTH - 1)}…` : line;
}

export const promptTypesCommand = defineCommand({
  name: "prompt-types",
  summary: "list h2oGPT's prompt types: name, number, where a system prompt goes, the default system prompt",
  usage: [
    "h2ogpt prompt-types [--json]",
    "SYSTEM: yes = the format has a place for it; first turn = chat sends it as a first exchange;",
    "template = the model's chat template decides. Details: docs/prompt-types.md."
  ],
  flags: {
    json: {kind: "boolean", description: "print a JSON array with the full default system prompts"}
  },
  async run(args, io) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}' (see --help)`);
    if (args.flags.json) {
      const rows = PROMPT_TYPES.map((row) => ({
        name: row.name,
        number: row.value,
        by_name_only: row.byNameOnly,
        system_prompt: systemColumn(row),
        default_system_prompt: row.defaultSystemPrompt
      }));
      io.stdout.write(`${JSON.stringify(rows, null, 1)}\n`);
      return;
    }
    const width = Math.max(...PROMPT_TYPES.map((row) => row.name.length));
    const lines = [`${"NAME".padEnd(width)}  NUMBER  SYSTEM      DEFAULT SYSTEM PROMPT`];
    for (const row of PROMPT_TYPES) {
      const number = `${row.value}${row.byNameOnly ? "*" : ""}`;
      lines.push(`${row.name.padEnd(width)}  ${number.padStart(6)}  ${systemColumn(row).padEnd(10)}  ${shorten(row.defaultSystemPrompt)}`);
    }
    lines.push("", "* by name only");
    io.stdout.write(`${lines.join("\n")}\n`);
  }
});
