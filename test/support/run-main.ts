import {main} from "../../src/cli/main.js";
import {memoryIo, type MemoryIoOptions} from "./memory-io.js";

/** Runs one `h2ogpt` command line in-process, as a user in `cwd` would, and returns its exit code and output. */
export async function runMain(args: readonly string[], options: MemoryIoOptions = {}): Promise<{code: number; out: string; err: string}> {
  const io = memoryIo(options);
  const code = await main(args, io);
  return {code, out: io.out(), err: io.err()};
}
