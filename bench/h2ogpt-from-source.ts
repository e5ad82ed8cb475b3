/** The h2ogpt CLI from src/ (`node --import tsx bench/h2ogpt-from-source.ts serve ...`), for `--from_source` runs before a build. */
import {main} from "../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
