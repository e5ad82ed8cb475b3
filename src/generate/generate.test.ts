import {describe, expect, it} from "vitest";
import {ContextOverflowError, NotSupportedError, UsageError} from "../errors/index.js";
import {extractResponse, renderChatPrompt, TemplateContextError} from "../prompts/index.js";
import {FakeEngine} from "../../test/generate/fake-engine.js";
import {fitPrompt, generate, generateStream, messagesToChat, type GenerateOptions} from "./index.js";

async function streamed(options: GenerateOptions): Promise<{deltas: string[]; result: Awaited<ReturnType<typeof generate>>}> {
  const {stream, result} = generateStream(options);
  const deltas: string[] = [];
  for await (const delta of stream) deltas.push(delta);
  return {deltas, result: await result};
}

/** A prompt of exactly n "tokens" for a word-counting engine. */
const words = (n: number, word = "w"): string => Array.from({length: n}, () => word).join(" ");

describe("fitPrompt (the context budget)", () => {
  const count = async (text: string): Promise<number> => text.split(/\s+/).filter(Boolean).length;

  it("grants 148 new tokens to a 1900-token prompt in a 2048 context (the FAQ's case)", async () => {
    const fitted = await fitPrompt({render: () => words(1900), count, historyTurns: 0, messageLength: 0, contextLength: 2048, requested: 1024, minMaxNewTokens: 512, truncation: "error"});
    expect(fitted).toMatchObject({promptTokens: 1900, maxNewTokens: 148, turnsDropped: 0, truncatedChars: 0});
  });

  it("drops the oldest exchanges until min(max_new_tokens, 512) tokens are left, keeping system prompt and message", async () => {
    // 200 tokens of system prompt + message, 200 per history exchange, 10 exchanges: 2200 tokens in all.
    const render = (keep: number): string => words(200) + " " + words(200 * keep, "h");
    const fitted = await fitPrompt({render, count, historyTurns: 10, messageLength: 0, contextLength: 2048, requested: 1024, minMaxNewTokens: 512, truncation: "error"});
    // Budget 2048 - 512 = 1536: 200 + 6 x 200 = 1400 fits, 7 exchanges (1600) do not.
    expect(fitted).toMatchObject({turnsDropped: 4, promptTokens: 1400, maxNewTokens: 648});
    const small = await fitPrompt({render, count, historyTurns: 10, messageLength: 0, contextLength: 2048, requested: 100, minMaxNewTokens: 512, truncation: "error"});
    // Asking for 100 tokens reserves 100: 200 + 8 x 200 = 1800 fits in 1948.
    expect(small).toMatchObject({turnsDropped: 2, promptTokens: 1800, maxNewTokens: 100});
  });

  it("fails with both numbers when the message alone does not fit, unless truncation is left", async () => {
    const message = words(2100, "m");
    const render = (_keep: number, cut: number): string => message.slice(cut);
    const options = {render, count, historyTurns: 3, messageLength: message.length, contextLength: 2048, requested: 256, minMaxNewTokens: 512};
    const error = await fitPrompt({...options, truncation: "error"}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContextOverflowError);
    expect(error).toMatchObject({nPromptTokens: 2100, nCtx: 2048, exitCode: 3});
    expect((error as Error).message).toContain("prompt has 2100 tokens but the context holds 2048");
    const left = await fitPrompt({...options, truncation: "left"});
    expect(left.promptTokens).toBe(2048 - 256);
    expect(left.maxNewTokens).toBe(256);
    expect(left.prompt).toBe(message.slice(left.truncatedChars));
    // 308 words of "m " go, less the space before the first word kept.
    expect(left.truncatedChars).toBe(308 * 2 - 1);
  });
});

describe("generate on a fake engine", () => {
  const humanBot = {promptType: "human_bot", instruction: "Who are you?"} as const;

  it("renders the prompt type's exact prompt and returns the extracted response without the stop text", async () => {
    const engine = new FakeEngine({script: [" I am", " a bot.\n<hu", "man>: next", " question"]});
    const {deltas, result} = await streamed({engine, ...humanBot});
    expect(engine.calls[0]!.prompt).toBe("<human>: Who are you?\n<bot>:");
    expect(engine.calls[0]!.options.stop).toEqual(expect.arrayContaining(["<human>:", "<bot>:", "\n<human>:", "\n<bot>:"]));
    expect(result).toMatchObject({
      response: "I am a bot.",
      promptRaw: "<human>: Who are you?\n<bot>:",
      promptType: "human_bot",
      promptTokens: 5,
      completionTokens: 3,
      maxNewTokens: 1024,
      stopReason: "stop",
      turnsDropped: 0
    });
    expect(deltas.join("")).toBe(result.response);
    expect(deltas.some((d) => d.includes("<"))).toBe(false);
  });

  it("never streams part of a stop string, however the model's text is chunked, and matches h2oGPT's extraction", async () => {
    const raw = " Paris is the capital.\n<bot>: and more";
    for (let i = 1; i < raw.length; i += 3) {
      for (let j = i + 1; j < raw.length; j += 5) {
        const engine = new FakeEngine({script: [raw.slice(0, i), raw.slice(i, j), raw.slice(j)]});
        const {deltas, result} = await streamed({engine, ...humanBot});
        expect(deltas.join("")).toBe("Paris is the capital.");
        expect(result.response).toBe(extractResponse({promptType: "human_bot", outputs: raw, newText: true}));
        for (const delta of deltas) expect(delta.includes("<") || delta.endsWith("\n")).toBe(false);
      }
    }
  });

  it("removes a partial tag left at the end when the token limit cuts it", async () => {
    const engine = new FakeEngine({script: [" Sure", " thing\n", "<", "human"], endReason: "length"});
    const {deltas, result} = await streamed({engine, ...humanBot});
    expect(result.response).toBe("Sure thing\n");
    expect(deltas.join("")).toBe(result.response);
  });

  it("passes h2oGPT's defaults and the request's parameters to the engine", async () => {
    const engine = new FakeEngine({script: ["x"]});
    await generate({engine, ...humanBot});
    expect(engine.calls[0]!.options).toMatchObject({maxNewTokens: 1024, minNewTokens: 0, temperature: 0, topP: 1, repetitionPenalty: 1, maxTime: 600});
    await generate({engine, ...humanBot, temperature: 0.7, topK: 40, topP: 0.9, repetitionPenalty: 1.1, maxNewTokens: 20, minNewTokens: 5, maxTime: 3, seed: 9, doSample: true, stop: ["END"]});
    expect(engine.calls[1]!.options).toMatchObject({temperature: 0.7, topK: 40, topP: 0.9, repetitionPenalty: 1.1, maxNewTokens: 20, minNewTokens: 5, maxTime: 3, seed: 9, doSample: true});
    expect(engine.calls[1]!.options.stop).toContain("END");
  });

  it("grants what the context leaves: 148 tokens for a 1900-token prompt in 2048", async () => {
    const engine = new FakeEngine({contextLength: 2048, script: ["ok"]});
    const result = await generate({engine, promptType: "plain", instruction: words(1900)});
    expect(result.promptTokens).toBe(1900);
    expect(result.maxNewTokens).toBe(148);
    expect(engine.calls[0]!.options.maxNewTokens).toBe(148);
  });

  it("drops the oldest history turns, keeps the system prompt, and reports how many", async () => {
    const engine = new FakeEngine({contextLength: 600, script: ["fine"]});
    const history = Array.from({length: 8}, (_, i) => [`question ${i} ${words(40, "q")}`, `answer ${i} ${words(40, "a")}`] as const);
    const result = await generate({engine, promptType: "llama2", systemPrompt: "Be terse.", history, instruction: "last question", maxNewTokens: 200});
    expect(result.turnsDropped).toBeGreaterThan(0);
    expect(result.turnsDropped).toBeLessThan(8);
    expect(result.promptRaw).toContain("<<SYS>>\nBe terse.\n<</SYS>>");
    expect(result.promptRaw).toContain("last question");
    expect(result.promptRaw).not.toContain("question 0 ");
    expect(result.promptRaw).toContain(`question 7 `);
    expect(result.promptTokens + 200).toBeLessThanOrEqual(600);
  });

  it("raises a ContextOverflowError (exit code 3) when the message alone does not fit, and keeps its end with truncation left", async () => {
    const engine = new FakeEngine({contextLength: 100, script: ["ok"]});
    const instruction = Array.from({length: 150}, (_, i) => `w${i}`).join(" ");
    const error = await generate({engine, promptType: "plain", instruction, maxNewTokens: 10}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContextOverflowError);
    expect(error).toMatchObject({nPromptTokens: 150, nCtx: 100});
    const left = await generate({engine, promptType: "plain", instruction, maxNewTokens: 10, truncation: "left"});
    expect(left.truncatedChars).toBeGreaterThan(0);
    expect(left.promptRaw.trimEnd().endsWith("w149")).toBe(true);
    expect(left.promptTokens + left.maxNewTokens).toBeLessThanOrEqual(100);
  });

  it("rejects beam search and bad settings with typed errors", async () => {
    const engine = new FakeEngine();
    await expect(generate({engine, ...humanBot, numBeams: 2})).rejects.toThrow(NotSupportedError);
    await expect(generate({engine, ...humanBot, numBeams: 2})).rejects.toThrow("num_beams=2: beam search is not available");
    await expect(generate({engine, ...humanBot, numReturnSequences: 0})).rejects.toThrow(UsageError);
    await expect(generate({engine, ...humanBot, truncation: "right" as "left"})).rejects.toThrow("truncation must be");
    await expect(generate({engine})).rejects.toThrow("nothing to answer");
    await expect(generate({engine, promptType: "no_such_type", instruction: "x"})).rejects.toThrow(UsageError);
  });

  it("returns several sequences with h2oGPT's numbered headers, each with its own seed", async () => {
    const engine = new FakeEngine({script: (call) => [` answer ${call + 1}`]});
    const {deltas, result} = await streamed({engine, ...humanBot, numReturnSequences: 2, temperature: 0.7, seed: 10});
    expect(result.response).toBe(extractResponse({promptType: "human_bot", outputs: [" answer 1", " answer 2"], newText: true}));
    expect(result.sequences.map((s) => s.response)).toEqual(["answer 1", "answer 2"]);
    expect(deltas.join("")).toBe(result.response);
    expect(engine.calls.map((c) => c.options.seed)).toEqual([10, 11]);
    expect(result.completionTokens).toBe(2);
  });

  it("places an input with the type's own marker for a single turn (h2oGPT's iinput)", async () => {
    const engine = new FakeEngine({script: ["Bonjour"]});
    const result = await generate({engine, promptType: "instruct", instruction: "Translate to French", iinput: "Good morning"});
    expect(result.promptRaw).toBe(
      "Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n" +
        "\n### Instruction:\nTranslate to French\n### Input:\nGood morning\n\n### Response:\n"
    );
  });

  it("places an input with the type's own marker after history too (h2oGPT's current turn)", async () => {
    const engine = new FakeEngine({script: ["Bonjour"]});
    const history = [["Hi", "Hello."]] as const;
    const result = await generate({engine, promptType: "instruct", history, instruction: "Translate to French", iinput: "Good morning"});
    expect(result.promptRaw).toBe(renderChatPrompt({promptType: "instruct", history: [...history, ["Translate to French", null]], input: "Good morning"}).prompt);
    expect(result.promptRaw).toContain("\n### Instruction:\nTranslate to French\n### Input:\nGood morning\n\n### Response:\n");
    // A system prompt sent as a first exchange is history as well: the input still gets its marker.
    const fake = await generate({engine, promptType: "instruct", systemPrompt: "Be brief.", instruction: "Translate", iinput: "Good morning"});
    expect(fake.promptRaw.endsWith("### Instruction:\nTranslate\n### Input:\nGood morning\n\n### Response:\n")).toBe(true);
  });

  it("puts h2oGPT's context before the prompt, keeps it while history is dropped, and fails with both numbers when it cannot fit", async () => {
    const context = "<human>: Earlier?\n<bot>: Yes.\n";
    const engine = new FakeEngine({contextLength: 200, script: ["ok"]});
    const single = await generate({engine, promptType: "human_bot", context, instruction: "Now?"});
    expect(single.promptRaw).toBe(`${context}<human>: Now?\n<bot>:`);
    expect(single.promptTokens).toBe(7);
    const instruct = await generate({engine, promptType: "vicuna11", systemPrompt: "Be brief.", context: "CTX ", history: [["Hi", "Hello."]], instruction: "Now?"});
    expect(instruct.promptRaw).toBe("Be brief. CTX USER: Hi ASSISTANT: Hello.</s>USER: Now? ASSISTANT:");

    const history = Array.from({length: 6}, (_, i) => [`q${i} ${words(20, "q")}`, `a${i} ${words(20, "a")}`] as const);
    const kept = await generate({engine, promptType: "human_bot", context: `${words(40, "c")} `, history, instruction: "last", maxNewTokens: 50});
    expect(kept.turnsDropped).toBeGreaterThan(0);
    expect(kept.promptRaw.startsWith(`${words(40, "c")} <human>: q${kept.turnsDropped} `)).toBe(true);
    expect(kept.promptTokens + 50).toBeLessThanOrEqual(200);

    const long = `${words(300, "c")}\n`;
    const error = await generate({engine, promptType: "human_bot", context: long, history, instruction: "last", maxNewTokens: 50}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContextOverflowError);
    expect((error as Error).message).toBe(
      "prompt has 303 tokens but the context holds 200: the context and the message do not fit even without history; shorten them, raise --max_seq_len, or use --truncation=left"
    );
    const left = await generate({engine, promptType: "human_bot", context: long, history, instruction: "last", maxNewTokens: 50, truncation: "left"});
    expect(left).toMatchObject({turnsDropped: 6, promptTokens: 150, maxNewTokens: 50});
    // The start of the context went; its end and the whole message stayed.
    expect(left.promptRaw.endsWith("c c\n<human>: last\n<bot>:")).toBe(true);
    expect(left.truncatedChars).toBe(long.length - left.promptRaw.indexOf("<human>:"));
  });

  it("refuses a context where it has no place: a chat template, a raw prompt", async () => {
    const templated = new FakeEngine({chatTemplate: "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}", script: ["x"]});
    await expect(generate({engine: templated, instruction: "Hi", context: "Earlier."})).rejects.toThrow(TemplateContextError);
    expect((await generate({engine: templated, instruction: "Hi", iinput: "there"})).promptRaw).toBe("[user]Hi\nthere");
    await expect(generate({engine: new FakeEngine(), prompt: "raw", context: "Earlier."})).rejects.toThrow(UsageError);
  });

  it("sends the context at the start of the last user message to a chat endpoint", async () => {
    const chat = new FakeEngine({promptFormat: "messages", script: ["ok"]});
    await generate({engine: chat, context: "Earlier: short answers.\n", history: [["Hi", "Hello."]], instruction: "Now?", iinput: "please"});
    expect(chat.calls[0]!.messages).toEqual([
      {role: "user", content: "Hi"},
      {role: "assistant", content: "Hello."},
      {role: "user", content: "Earlier: short answers.\nNow?\nplease"}
    ]);
  });

  it("sends a raw prompt unchanged with only the caller's stop strings", async () => {
    const engine = new FakeEngine({script: [" a", " b STOP c"]});
    const result = await generate({engine, prompt: "<human>: raw", stop: ["STOP"]});
    expect(engine.calls[0]!.prompt).toBe("<human>: raw");
    expect(engine.calls[0]!.options.stop).toEqual(["STOP"]);
    expect(result).toMatchObject({response: " a b ", promptType: "plain", stopReason: "stop"});
  });

  it("turns OpenAI messages into system prompt + history for a raw engine, and passes messages to a chat engine", async () => {
    const messages = [
      {role: "system", content: "You are terse."},
      {role: "user", content: "Hi"},
      {role: "assistant", content: "Hello."},
      {role: "user", content: "Who are you?"}
    ];
    const raw = new FakeEngine({script: ["ok"]});
    const rendered = await generate({engine: raw, promptType: "zephyr", messages});
    expect(rendered.promptRaw).toBe("<|system|>\nYou are terse.</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello.</s>\n<|user|>\nWho are you?</s>\n<|assistant|>\n");
    const chat = new FakeEngine({promptFormat: "messages", script: ["I am", " a model"]});
    const result = await generate({engine: chat, messages});
    expect(chat.calls[0]!.messages).toEqual(messages);
    expect(result).toMatchObject({response: "I am a model", promptType: "plain"});
    expect(JSON.parse(result.promptRaw)).toEqual(messages);
  });

  it("detects the prompt type from the model, else uses its chat template, else plain", async () => {
    const named = new FakeEngine({name: "h2oai/h2ogpt-oasst1-512-12b", script: ["x"]});
    expect((await generate({engine: named, instruction: "Hi"})).promptRaw).toBe("<human>: Hi\n<bot>:");
    const templated = new FakeEngine({chatTemplate: "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}", script: ["x"]});
    expect((await generate({engine: templated, instruction: "Hi"})).promptRaw).toBe("[user]Hi[assistant]");
    const bare = new FakeEngine({script: ["x"]});
    expect((await generate({engine: bare, instruction: "Hi"})).promptRaw).toBe("Hi\n");
  });

  it("stops at once on abort and reports it", async () => {
    const engine = new FakeEngine({script: Array.from({length: 100}, (_, i) => ` t${i}`)});
    const controller = new AbortController();
    const {stream, result} = generateStream({engine, ...humanBot, signal: controller.signal});
    let seen = 0;
    for await (const _ of stream) if (++seen === 3) controller.abort();
    expect((await result).stopReason).toBe("abort");
    expect((await result).sequences[0]!.completionTokens).toBeLessThan(10);
  });
});

describe("messagesToChat", () => {
  it("pairs user and assistant turns, joins system messages and repeated roles", () => {
    expect(
      messagesToChat([
        {role: "system", content: "A"},
        {role: "system", content: "B"},
        {role: "assistant", content: "Welcome"},
        {role: "user", content: "q1"},
        {role: "user", content: "q1b"},
        {role: "assistant", content: "a1"},
        {role: "user", content: "q2"}
      ])
    ).toEqual({systemPrompt: "A\n\nB", history: [[null, "Welcome"], ["q1\nq1b", "a1"]], instruction: "q2"});
    expect(messagesToChat([{role: "user", content: "only"}])).toEqual({history: [], instruction: "only"});
  });

  it("names the message that is wrong", () => {
    expect(() => messagesToChat([])).toThrow("messages[0]: at least one message is needed");
    expect(() => messagesToChat([{role: "tool", content: "x"}])).toThrow("messages[0]: unknown role 'tool'");
    expect(() => messagesToChat([{role: "user", content: "q"}, {role: "assistant", content: "a"}])).toThrow("messages[1]: the last message must be the user's");
    expect(() => messagesToChat([{role: "user", content: 5 as unknown as string}])).toThrow("messages[0]: content must be text");
  });
});
