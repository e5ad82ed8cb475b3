import type {Llama} from "node-llama-cpp";

let runtime: Promise<Llama> | undefined;

/**
 * The process's one llama.cpp runtime: the native build when `npm run build:native` installed one, else the
 * prebuilt CPU binary; never a build or download. llama.cpp's own log lines are dropped unless H2OGPT_DEBUG is
 * set, because failures reach the user as our one-line errors.
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

/**
 * What `serve` says when llama.cpp runs on the prebuilt binary: on one machine it decoded 1.4x slower than a build
 * for that machine, on another the two were level (docs/serve.md, "Where the time goes"; the runs are in
 * docs/serve-benchmark-log.md), and llama-server, the usual comparison, is always built for its machine.
 */
export const PREBUILT_BINARY_NOTICE =
  "llama.cpp runs node-llama-cpp's prebuilt binary (built per CPU family); `npm run build:native` builds it for this CPU, as llama-server is built (decoding 8 sequences: 1.4x faster on one machine docs/serve.md measured, level on another)";
