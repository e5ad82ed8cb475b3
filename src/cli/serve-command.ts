import {NotSupportedError} from "../errors/index.js";
import {defineCommand} from "./command.js";

export const serveCommand = defineCommand({
  name: "serve",
  summary: "(being built)",
  usage: [],
  flags: {},
  async run() {
    throw new NotSupportedError("h2ogpt serve is being built");
  }
});
