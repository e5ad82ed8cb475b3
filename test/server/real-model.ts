import {createEngine} from "../../src/engine/index.js";
import {engineModel, type ServedModel} from "../../src/server/index.js";
import {tinyLlamaPath} from "../support/shared.js";

/** The shared tiny llama fixture (random weights, deterministic at temperature 0) as a served model. */
export async function tinyServedModel(options: {name?: string; sequences?: number; notice?: string} = {}): Promise<ServedModel> {
  const engine = await createEngine({baseModel: tinyLlamaPath!, sequences: options.sequences ?? 2, contextLength: 2048});
  return engineModel({engine, name: options.name, promptType: "plain", notice: options.notice});
}
