import {NotSupportedError} from "../errors/index.js";
import {defineCommand} from "./command.js";

export const detokenizeCommand = defineCommand({
  name: "detokenize",
  summary: "(being built)",
  usage: [],
  flags: {},
  async run() {
    throw new NotSupportedError("h2ogpt detokenize is being built");
  }
});
