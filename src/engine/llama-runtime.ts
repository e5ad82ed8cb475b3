import type {Llama} from "node-llama-cpp";

let runtime: Promise<Llama> | undefined;

/**
 * The process's one llama.cpp runtime: the prebuilt CPU binary, never a build or download. llama.cpp's own log
 * lines are dropped unless H2OGPT_DEBUG is set, because failures reach the user as our one-line errors.
 */
export function llamaRuntime(): Promise<Llama> {
  runtime ??= (async () => {
    const {getLlama, LlamaLogLevel} = await import("node-llama-cpp");
    const debug = Boolean(process.env.H2OGPT_DEBUG);
    return getLlama({
      gpu: false,
      build: "never",
      logLevel: debug ? LlamaLogLevel.debug : LlamaLogLevel.error,
      logger: (level, message) => {
        if (debug) process.stderr.write(`[llama.cpp ${level}] ${message}\n`);
      }
    });
  })();
  return runtime;
}
