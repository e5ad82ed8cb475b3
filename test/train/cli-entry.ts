/** Runs the CLI from source in a child process, as bin/h2ogpt.cjs runs the built one (for tests that send signals). */
import {main} from "../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
