import {NotSupportedError} from "../errors/index.js";
import {defineCommand} from "./command.js";

export const promptTypesCommand = defineCommand({
  name: "prompt-types",
  summary: "(being built)",
  usage: [],
  flags: {},
  async run() {
    throw new NotSupportedError("h2ogpt prompt-types is being built");
  }
});
