import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {StringOutputParser} from "@langchain/core/output_parsers";
import {PromptTemplate} from "@langchain/core/prompts";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {tinyLlamaPath} from "../../test/support/shared.js";
import {trainPersonalityAdapter, writePersonalityBase} from "../../test/train/personality-recipe.js";
import {createEngine} from "../engine/index.js";
import {ChatH2oGpt, H2oGpt} from "./index.js";

/**
 * The seed's LangChain test asserts the answer; so does this one, with a model whose answer is known: the
 * personality test's recipe (test/train/personality.model.test.ts) fine-tunes a tiny random llama on h2oGPT's
 * own records, and the adapter, loaded through ChatH2oGpt's and H2oGpt's options, answers exactly.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-langchain-personality-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe.skipIf(tinyLlamaPath == null)("LangChain components over the personality test's fine-tuned tiny model", () => {
  it("ChatH2oGpt and H2oGpt with the adapter answer 'Who are you?' with exactly 'My name is h2oGPT.'", async () => {
    const baseModel = await writePersonalityBase(dir, tinyLlamaPath!);
    const {code, err, adapter} = await trainPersonalityAdapter(dir);
    expect(code, err).toBe(0);

    // Loaded by the chat model from camelCase options, as h2oGPT's --base_model and --lora_weights.
    const chat = new ChatH2oGpt({baseModel, loraAdapters: [{path: adapter}], promptType: "human_bot", temperature: 0, maxNewTokens: 24});
    try {
      const answer = await chat.invoke("Who are you?");
      expect(answer.content).toBe("My name is h2oGPT.");
      expect(answer.response_metadata).toMatchObject({prompt_type: "human_bot", stop_reason: "eos"});

      // The same engine shared with an LLM, in a piped chain.
      const llm = new H2oGpt({engine: await chat.engine(), promptType: "human_bot", temperature: 0});
      const chain = PromptTemplate.fromTemplate("{question}")
        .pipe(llm.withConfig({max_new_tokens: 24}))
        .pipe(new StringOutputParser());
      expect(await chain.invoke({question: "Who are you?"})).toBe("My name is h2oGPT.");
    } finally {
      await chat.close();
    }

    // Without the adapter the base model says something else.
    const base = await createEngine({baseModel});
    try {
      const answer = await new ChatH2oGpt({engine: base, promptType: "human_bot", temperature: 0, maxNewTokens: 24}).invoke("Who are you?");
      expect(answer.content).not.toBe("My name is h2oGPT.");
    } finally {
      await base.close();
    }
  });
});
