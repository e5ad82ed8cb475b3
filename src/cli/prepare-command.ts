import {NotSupportedError} from "../errors/index.js";
import {defineCommand} from "./command.js";

export const prepareCommand = defineCommand({
  name: "prepare",
  summary: "(being built)",
  usage: [],
  flags: {},
  async run() {
    throw new NotSupportedError("h2ogpt prepare is being built");
  }
});
