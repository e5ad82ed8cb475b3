#!/usr/bin/env node
// CommonJS so this line runs before anything starts libuv's thread pool (an ES module's loader already has):
// llama.cpp's decode and each sequence's sampling are tasks on that pool, and on a 2-core machine 2 threads
// beat libuv's 4 (`h2ogpt serve`, 8 streams, alternating runs: docs/serve.md, "Prompt cache and batching").
process.env.UV_THREADPOOL_SIZE ??= "2";
import("../dist/cli/main.js").then(async ({main}) => {
  process.exitCode = await main(process.argv.slice(2));
});
