import type {Command} from "./command.js";

/** Loaded lazily so `h2ogpt prompt` never pays for loading llama.cpp or the server. */
export const commandLoaders: Readonly<Record<string, () => Promise<Command>>> = {
  "prompt": async () => (await import("./prompt-command.js")).promptCommand,
  "prompt-types": async () => (await import("./prompt-types-command.js")).promptTypesCommand,
  "tokenize": async () => (await import("./tokenize-command.js")).tokenizeCommand,
  "detokenize": async () => (await import("./detokenize-command.js")).detokenizeCommand,
  "prepare": async () => (await import("./prepare-command.js")).prepareCommand,
  "generate": async () => (await import("./generate-command.js")).generateCommand,
  "serve": async () => (await import("./serve-command.js")).serveCommand,
  "finetune": async () => (await import("./finetune-command.js")).finetuneCommand,
  "convert": async () => (await import("./convert-command.js")).convertCommand,
  "ingest": async () => (await import("./ingest-command.js")).ingestCommand,
  "retrieve": async () => (await import("./retrieve-command.js")).retrieveCommand,
  "models": async () => (await import("./models-command.js")).modelsCommand,
  "score": async () => (await import("./score-command.js")).scoreCommand
};
