import {NotSupportedError} from "../errors/index.js";
import {defineCommand} from "./command.js";

export const finetuneCommand = defineCommand({
  name: "finetune",
  summary: "(being built)",
  usage: [],
  flags: {},
  async run() {
    throw new NotSupportedError("h2ogpt finetune is being built");
  }
});
