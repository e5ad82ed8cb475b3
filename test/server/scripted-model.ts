import type {
  ChatRequest,
  CompletionRequest,
  GenerationOutcome,
  GenerationRun,
  ModelInfo,
  ServedModel
} from "../../src/server/index.js";

/**
 * A fake engine for the server's unit tests: it answers "echo: <last user text>" one word per token, with an
 * optional delay per token, honours max_new_tokens, stop strings and the abort signal, and records requests.
 */
export interface ScriptedModelOptions {
  readonly name?: string;
  readonly tokenDelayMs?: number;
  /** Replaces the echo answer. */
  readonly answer?: (prompt: string) => string;
  readonly sequences?: number;
  readonly embeddings?: boolean;
  readonly notice?: string;
}

export class ScriptedModel implements ServedModel {
  readonly info: ModelInfo;
  readonly requests: (ChatRequest | CompletionRequest)[] = [];
  active = 0;
  closed = false;

  constructor(private readonly options: ScriptedModelOptions = {}) {
    this.info = {
      name: options.name ?? "scripted",
      engine: "scripted",
      contextLength: 2048,
      sequences: options.sequences ?? 2,
      promptType: "plain",
      embeddings: options.embeddings ?? false,
      notice: options.notice
    };
    if (options.embeddings) this.embed = async (inputs) => ({
      vectors: inputs.map((text) => [text.length, 0.5, -1]),
      promptTokens: inputs.reduce((n, text) => n + text.split(/\s+/).length, 0)
    });
  }

  embed?: ServedModel["embed"];

  chat(request: ChatRequest, signal: AbortSignal): GenerationRun {
    this.requests.push(request);
    const input = request.input;
    const prompt = "messages" in input ? input.messages.at(-1)!.content : input.instruction;
    const promptRaw = "messages" in input ? input.messages.map((m) => `${m.role}: ${m.content}`).join("\n") : prompt;
    return this.run(promptRaw, this.options.answer?.(prompt) ?? `echo: ${prompt}`, request.params, signal);
  }

  complete(request: CompletionRequest, signal: AbortSignal): GenerationRun {
    this.requests.push(request);
    return this.run(request.prompt, this.options.answer?.(request.prompt) ?? ` continued ${request.prompt}`, request.params, signal);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private run(promptRaw: string, answer: string, params: ChatRequest["params"], signal: AbortSignal): GenerationRun {
    const words = answer.match(/\S+\s*|\s+/g) ?? [];
    const maxNewTokens = params.maxNewTokens ?? 1024;
    const delay = this.options.tokenDelayMs ?? 0;
    let resolveResult!: (outcome: GenerationOutcome) => void;
    let rejectResult!: (error: unknown) => void;
    const result = new Promise<GenerationOutcome>((resolve, reject) => {
      resolveResult = resolve;
      rejectResult = reject;
    });
    const model = this;
    async function* stream(): AsyncGenerator<string> {
      model.active++;
      let text = "";
      let count = 0;
      let stopReason: GenerationOutcome["stopReason"] = "eos";
      try {
        for (const word of words) {
          if (signal.aborted) {
            stopReason = "abort";
            break;
          }
          if (count >= maxNewTokens) {
            stopReason = "length";
            break;
          }
          if (delay > 0) await new Promise((r) => setTimeout(r, delay));
          const stop = params.stop?.find((s) => (text + word).includes(s));
          if (stop != null) {
            const cut = (text + word).indexOf(stop);
            const piece = (text + word).slice(text.length, cut);
            text += piece;
            if (piece !== "") yield piece;
            stopReason = "stop";
            break;
          }
          text += word;
          count++;
          yield word;
        }
        if (signal.aborted) stopReason = "abort";
        resolveResult({
          response: text,
          promptRaw,
          promptTokens: promptRaw.split(/\s+/).length,
          completionTokens: count,
          maxNewTokens,
          stopReason,
          turnsDropped: 0
        });
      } catch (error) {
        rejectResult(error);
        throw error;
      } finally {
        model.active--;
        // A consumer that stops iterating early still gets a settled result, as the real engine guarantees.
        resolveResult({response: text, promptRaw, promptTokens: 0, completionTokens: count, maxNewTokens, stopReason: "abort", turnsDropped: 0});
      }
    }
    return {stream: stream(), result};
  }
}
