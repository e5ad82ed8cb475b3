import {describe, expect, it} from "vitest";
import {PROMPT_TYPE_KEY, readGguf} from "../gguf/index.js";
import {tinyLlamaPath} from "../../test/support/shared.js";
import {detectPromptType} from "./index.js";

describe("detectPromptType", () => {
  it("uses h2oGPT's table for Hugging Face names, file paths and download URLs", () => {
    expect(detectPromptType({modelName: "meta-llama/Llama-2-7b-chat-hf"})).toBe("llama2");
    expect(detectPromptType({modelName: "HuggingFaceH4/zephyr-7b-beta"})).toBe("zephyr");
    expect(detectPromptType({modelName: "/models/zephyr-7b-beta.Q5_K_M.gguf"})).toBe("zephyr");
    expect(detectPromptType({modelName: "/models/mistral-7b-instruct-v0.2.Q4_K_M.gguf"})).toBe("mistral");
    expect(
      detectPromptType({modelName: "https://huggingface.co/TheBloke/Llama-2-7B-Chat-GGUF/resolve/main/llama-2-7b-chat.Q6_K.gguf"})
    ).toBe("llama2");
    expect(detectPromptType({modelName: "h2oai/h2ogpt-oasst1-512-12b"})).toBe("human_bot");
  });

  it("keeps chat-API types for their exact API model names only", () => {
    expect(detectPromptType({modelName: "gpt-4o"})).toBe("openai_chat");
    expect(detectPromptType({modelName: "gemma-7b-it"})).toBe("groq");
    expect(detectPromptType({modelName: "/models/gemma-7b-it.Q4_K_M.gguf"})).toBe("gemma");
  });

  it("prefers the prompt type h2ogpt finetune stored over the model's name, and ignores one it cannot render", () => {
    const metadata = {"general.name": {type: "string", value: "zephyr-7b-beta"}, [PROMPT_TYPE_KEY]: {type: "string", value: "human_bot"}};
    expect(detectPromptType({modelName: "/models/llama-2-7b-chat.f16.gguf", ggufMetadata: metadata})).toBe("human_bot");
    expect(detectPromptType({ggufMetadata: {[PROMPT_TYPE_KEY]: "plain"}})).toBe("plain");
    expect(detectPromptType({ggufMetadata: {"general.name": "zephyr-7b-beta", [PROMPT_TYPE_KEY]: "custom"}})).toBe("zephyr");
    expect(detectPromptType({ggufMetadata: {"general.name": "zephyr-7b-beta", [PROMPT_TYPE_KEY]: "no-such-type"}})).toBe("zephyr");
  });

  it("reads GGUF general.name / general.basename, typed or plain", () => {
    expect(detectPromptType({ggufMetadata: {"general.name": {type: "string", value: "zephyr-7b-beta"}}})).toBe("zephyr");
    expect(detectPromptType({ggufMetadata: {"general.basename": "em_german_leo_mistral-GPTQ"}})).toBe("mistralgerman");
  });

  it.each([
    ["{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}", "qwen"],
    ["{{ bos_token }}[INST] <<SYS>>\n{{ sys }}\n<</SYS>>\n\n{{ m }} [/INST]", "llama2"],
    ["{{ bos_token }}{% for m in messages %}[INST] {{ m.content }} [/INST]{% endfor %}", "mistral"],
    ["<start_of_turn>user\n{{ m }}<end_of_turn>\n<start_of_turn>model\n", "gemma"],
    ["<|user|>\n{{ m }}</s>\n<|assistant|>\n", "zephyr"],
    ["GPT4 Correct User: {{ m }}<|end_of_turn|>GPT4 Correct Assistant:", "open_chat_correct"],
    ["<|prompt|>{{ m }}</s><|answer|>", "danube"],
    ["<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{{ m }}<|eot_id|>", undefined]
  ])("recognises a chat template's markers: %j", (template, promptType) => {
    expect(detectPromptType({ggufMetadata: {"tokenizer.chat_template": template}})).toBe(promptType);
  });

  it("returns undefined for a model it does not know", async () => {
    expect(detectPromptType({})).toBeUndefined();
    expect(detectPromptType({modelName: "my-own-model"})).toBeUndefined();
  });

  it.skipIf(tinyLlamaPath == null)("returns undefined for the tiny llama fixture's GGUF metadata", async () => {
    const file = await readGguf(tinyLlamaPath!);
    expect(detectPromptType({modelName: tinyLlamaPath, ggufMetadata: file.metadata})).toBeUndefined();
  });
});
