import {execFileSync} from "node:child_process";
import {describe, expect, it} from "vitest";
import {DEFAULT_PERSIST_DIRECTORY} from "../src/docs/index.js";
import {projectRoot} from "./support/shared.js";

describe(".gitignore", () => {
  it("ignores what serve and ingest write in the working folder by default", () => {
    const paths = ["h2ogpt_history.db", "h2ogpt_history.db-wal", "h2ogpt_history.db-shm", `${DEFAULT_PERSIST_DIRECTORY}/UserData/collection.db`];
    // --no-index: the rules alone decide, whatever is in the working tree.
    const ignored = execFileSync("git", ["check-ignore", "--no-index", ...paths], {cwd: projectRoot, encoding: "utf8"});
    expect(ignored.trim().split("\n")).toEqual(paths);
  });
});
