import {NotSupportedError} from "../errors/index.js";
import {defineCommand} from "./command.js";

export const promptCommand = defineCommand({
  name: "prompt",
  summary: "(being built)",
  usage: [],
  flags: {},
  async run() {
    throw new NotSupportedError("h2ogpt prompt is being built");
  }
});
