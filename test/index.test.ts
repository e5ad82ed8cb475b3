import {describe, expect, it} from "vitest";
import * as h2ogpt from "../src/index.js";

describe("package root", () => {
  it("exposes every stage's public surface", () => {
    for (const name of [
      "H2oGptError",
      "ContextOverflowError",
      "PROMPT_TYPES",
      "renderTrainingString",
      "renderChatPrompt",
      "extractResponse",
      "loadTokenizer",
      "maxNewTokens",
      "writeGguf",
      "readGguf",
      "createEngine",
      "generate",
      "generateStream",
      "prepare",
      "finetune",
      "startServer",
      "ingest",
      "retrieve",
      "openCollection",
      "splitText",
      "generateWithDocuments",
      "loadScoreModel",
      "scoreText"
    ])
      expect(typeof (h2ogpt as Record<string, unknown>)[name], name).not.toBe("undefined");
  });

  it("renders the FAQ's training record through the root import", () => {
    const {text} = h2ogpt.renderTrainingString({
      promptType: "human_bot",
      record: {input: "Who are you?", output: "My name is h2oGPT."}
    });
    expect(text).toBe("<human>: Who are you?\n<bot>:My name is h2oGPT.");
  });
});
