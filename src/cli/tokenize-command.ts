import {NotSupportedError} from "../errors/index.js";
import {defineCommand} from "./command.js";

export const tokenizeCommand = defineCommand({
  name: "tokenize",
  summary: "(being built)",
  usage: [],
  flags: {},
  async run() {
    throw new NotSupportedError("h2ogpt tokenize is being built");
  }
});
