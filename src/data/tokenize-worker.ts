import {parentPort, workerData} from "node:worker_threads";
import {H2oGptError} from "../errors/index.js";
import {loadTokenizer} from "../tokenizer/index.js";
import {tokenizeBatch, type TokenizeJob} from "./tokenize-batch.js";
import {tokenizerInfo, type TokenizeWorkerData, type WorkerReply} from "./worker-protocol.js";

/** Worker-thread entry of TokenizerPool: loads its own tokenizer, then tokenizes and labels batches. */
const port = parentPort!;
const {tokenizerPath, settings} = workerData as TokenizeWorkerData;

try {
  const tokenizer = await loadTokenizer(tokenizerPath);
  port.on("message", ({id, job}: {id: number; job: TokenizeJob}) => {
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
  const failed: WorkerReply = {
    type: "failed",
    message: (error as Error).message,
    exitCode: error instanceof H2oGptError ? error.exitCode : 1
  };
  port.postMessage(failed);
}
