/** Small helpers shared by several stages; nothing here depends on any stage. */
export {mulberry32} from "./mulberry32.js";
export {parseDictLiteral, parseLiteral} from "./parse-dict-literal.js";
export {temporaryPathFor, writeFileAtomic} from "./write-file-atomic.js";
export {endWorker} from "./end-worker.js";
export {WorkerCalls, type WorkerCallsOptions, type WorkerReply} from "./worker-calls.js";
