/** Runs the h2ogpt CLI from source (`node --import tsx test/server/run-cli.ts serve ...`), for tests that need a separate process. */
import {main} from "../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
