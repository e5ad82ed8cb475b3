import {parentPort, workerData} from "node:worker_threads";
import {H2oGptError} from "../errors/index.js";
import {loadTokenizer, releaseTokenizerRuntime} from "../tokenizer/index.js";
import {tokenizeBatch} from "./tokenize-batch.js";
import {tokenizerInfo, type TokenizeWorkerData, type WorkerReply, type WorkerRequest} from "./worker-protocol.js";

/**
 * Worker-thread entry of TokenizerPool: loads its own tokenizer, then tokenizes and labels batches. It ends by
 * itself (port closed, native objects released) when asked to close: being terminated while holding llama.cpp's
 * objects would abort the process.
 */
const port = parentPort!;
const {tokenizerPath, settings} = workerData as TokenizeWorkerData;

try {
  const tokenizer = await loadTokenizer(tokenizerPath);
  port.on("message", (request: WorkerRequest) => {
    if (request.type === "close") {
      void tokenizer
        .dispose()
        .then(releaseTokenizerRuntime)
        .catch(() => undefined)
        .then(() => port.close());
      return;
    }
    const {id, job} = request;
    try {
      const batch = tokenizeBatch(tokenizer, job, settings);
      const reply: WorkerReply = {type: "done", id, batch};
      const buffers = [batch.ids, batch.starts, batch.lengths, batch.masked, batch.fullLengths].map((array) => array.buffer as ArrayBuffer);
      port.postMessage(reply, buffers);
    } catch (error) {
      const reply: WorkerReply = {type: "error", id, message: (error as Error).message};
      port.postMessage(reply);
    }
  });
  const ready: WorkerReply = {type: "ready", info: tokenizerInfo(tokenizer)};
  port.postMessage(ready);
} catch (error) {
  await releaseTokenizerRuntime().catch(() => undefined);
  const failed: WorkerReply = {
    type: "failed",
    message: (error as Error).message,
    exitCode: error instanceof H2oGptError ? error.exitCode : 1
  };
  port.postMessage(failed);
}
