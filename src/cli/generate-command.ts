import {NotSupportedError} from "../errors/index.js";
import {defineCommand} from "./command.js";

export const generateCommand = defineCommand({
  name: "generate",
  summary: "(being built)",
  usage: [],
  flags: {},
  async run() {
    throw new NotSupportedError("h2ogpt generate is being built");
  }
});
