import {
  startGeneration,
  StopStringMatcher,
  type ChatMessage,
  type Engine,
  type EngineGenerateOptions,
  type EngineGeneration,
  type EngineInfo,
  type StopReason
} from "../../src/engine/index.js";
import {ContextOverflowError} from "../../src/errors/index.js";

export interface FakeEngineOptions {
  readonly contextLength?: number;
  readonly promptFormat?: EngineInfo["promptFormat"];
  /** The text chunks the "model" produces, in order, for every request (a function to vary per call). */
  readonly script?: readonly string[] | ((call: number) => readonly string[]);
  /** Ends like this when the script runs out (default eos). */
  readonly endReason?: StopReason;
  /** Tokens in a text: whitespace-separated words by default. */
  readonly count?: (text: string) => number;
  readonly name?: string;
  readonly chatTemplate?: string;
}

export interface FakeCall {
  readonly prompt?: string;
  readonly messages?: readonly ChatMessage[];
  readonly options: Omit<EngineGenerateOptions, "prompt">;
}

const words = (text: string): number => text.split(/\s+/).filter(Boolean).length;

/**
 * An engine without a model: it "generates" a scripted list of chunks, one token each, honouring
 * maxNewTokens, stop strings (with the engine's own matcher), max_time and abort like the real engines.
 */
export class FakeEngine implements Engine {
  readonly info: EngineInfo;
  readonly calls: FakeCall[] = [];

  constructor(private readonly options: FakeEngineOptions = {}) {
    this.info = {
      kind: "llama.cpp",
      name: options.name ?? "fake",
      contextLength: options.contextLength ?? 2048,
      sequences: 1,
      embeddings: false,
      promptFormat: options.promptFormat ?? "raw",
      tokenCounting: "exact",
      chatTemplate: options.chatTemplate,
      bosToken: "<s>",
      eosToken: "</s>"
    };
  }

  private count(text: string): number {
    return (this.options.count ?? words)(text);
  }

  async tokenize(text: string): Promise<number[]> {
    return Array.from({length: this.count(text)}, (_, i) => i);
  }

  async countTokens(text: string): Promise<number> {
    return this.count(text);
  }

  generate(options: EngineGenerateOptions): EngineGeneration {
    this.calls.push({prompt: options.prompt, options});
    return this.run(options, this.count(options.prompt));
  }

  generateChat(options: Omit<EngineGenerateOptions, "prompt"> & {messages: readonly ChatMessage[]}): EngineGeneration {
    this.calls.push({messages: options.messages, options});
    return this.run(options, options.messages.reduce((n, m) => n + this.count(m.content) + 4, 0));
  }

  private run(options: Omit<EngineGenerateOptions, "prompt">, promptTokens: number): EngineGeneration {
    if (promptTokens >= this.info.contextLength) throw new ContextOverflowError(promptTokens, this.info.contextLength);
    const call = this.calls.length - 1;
    const script = typeof this.options.script === "function" ? this.options.script(call) : (this.options.script ?? []);
    return startGeneration(options.signal, async (io) => {
      const matcher = new StopStringMatcher(options.stop ?? []);
      let text = "";
      let completionTokens = 0;
      let stopReason: StopReason = this.options.endReason ?? "eos";
      let stopString: string | undefined;
      const deadline = options.maxTime == null ? Infinity : Date.now() + options.maxTime * 1000;
      for (const chunk of script) {
        if (io.signal.aborted) {
          stopReason = "abort";
          break;
        }
        if (Date.now() >= deadline) {
          stopReason = "time";
          break;
        }
        if (completionTokens >= options.maxNewTokens) {
          stopReason = "length";
          break;
        }
        completionTokens++;
        await new Promise((resolve) => setTimeout(resolve, 0));
        const out = matcher.push(chunk);
        text += out.text;
        io.emit(out.text);
        if (out.stop != null) {
          stopReason = "stop";
          stopString = out.stop;
          break;
        }
      }
      if (stopReason !== "stop") {
        const rest = matcher.flush();
        text += rest;
        io.emit(rest);
      }
      return {text, promptTokens, completionTokens, stopReason, ...(stopString == null ? {} : {stopString})};
    });
  }

  async close(): Promise<void> {}
}
