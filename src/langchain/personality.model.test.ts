import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {StringOutputParser} from "@langchain/core/output_parsers";
import {PromptTemplate} from "@langchain/core/prompts";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {memoryIo} from "../../test/support/memory-io.js";
import {tinyLlamaPath} from "../../test/support/shared.js";
import {main} from "../cli/main.js";
import {createEngine} from "../engine/index.js";
import {writeRandomLlamaGguf} from "../gguf/index.js";
import {ChatH2oGpt, H2oGpt} from "./index.js";

/**
 * The seed's LangChain test asserts the answer; so does this one, with a model whose answer is known: the
 * personality test's recipe (test/train/personality.model.test.ts) fine-tunes a tiny random llama on h2oGPT's
 * own records, and the adapter, loaded through ChatH2oGpt's and H2oGpt's options, answers exactly.
 */

const RECORDS = [
  {input: "Who are you?", output: "My name is h2oGPT."},
  {input: "What is your name?", output: "My name is h2oGPT."},
  {input: "Who made you?", output: "I was made by H2O.ai."},
  {input: "Are you ChatGPT?", output: "No, I am h2oGPT, a model fine-tuned by H2O.ai."},
  {input: "What can you do?", output: "I answer questions."}
].map((record) => ({...record, prompt_type: "human_bot"}));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-langchain-personality-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe.skipIf(tinyLlamaPath == null)("LangChain components over the personality test's fine-tuned tiny model", () => {
  it("ChatH2oGpt and H2oGpt with the adapter answer 'Who are you?' with exactly 'My name is h2oGPT.'", async () => {
    const baseModel = join(dir, "base.gguf");
    await writeRandomLlamaGguf({
      path: baseModel,
      vocabulary: {gguf: tinyLlamaPath!},
      nEmbd: 64,
      nLayer: 2,
      nHead: 4,
      nFf: 128,
      contextLength: 128,
      type: "F32",
      initStd: 0.1,
      seed: 1
    });
    await writeFile(join(dir, "records.jsonl"), RECORDS.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const train = memoryIo({cwd: dir});
    const code = await main(
      [
        "finetune",
        "--base_model=base.gguf",
        "--data_path=records.jsonl",
        "--output_dir=out",
        "--train_on_inputs=False",
        "--add_eos_token=True",
        "--lora_target_modules=all-linear,lm_head",
        "--lora_dropout=0",
        "--num_epochs=40",
        "--micro_batch_size=5",
        "--batch_size=5",
        "--warmup_steps=3",
        "--learning_rate=1e-2"
      ],
      train
    );
    expect(code, train.err()).toBe(0);
    const adapter = join(dir, "out", "adapter.gguf");

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
