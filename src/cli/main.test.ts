import {describe, expect, it} from "vitest";
import {memoryIo} from "../../test/support/memory-io.js";
import {main} from "./main.js";
import {parseArgs} from "./args.js";

describe("parseArgs", () => {
  const defs = {
    base_model: {kind: "string", description: "", aliases: ["model_path_llama"]},
    cutoff_len: {kind: "number", description: ""},
    cli: {kind: "boolean", description: ""},
    stop: {kind: "list", description: ""}
  } as const;

  it("accepts --flag=value and --flag value, snake and kebab case, aliases", () => {
    const args = parseArgs(["--base_model=a.gguf", "--cutoff-len", "256", "--stop", "x", "--stop=y"], defs);
    expect(args.flags).toEqual({base_model: "a.gguf", cutoff_len: 256, stop: ["x", "y"]});
    expect(parseArgs(["--model_path_llama", "b.gguf"], defs).flags.base_model).toBe("b.gguf");
  });

  it("reads Python-style booleans", () => {
    expect(parseArgs(["--cli=True"], defs).flags.cli).toBe(true);
    expect(parseArgs(["--cli", "False"], defs).flags.cli).toBe(false);
    expect(parseArgs(["--cli"], defs).flags.cli).toBe(true);
  });

  it("keeps empty values and values that look like flags", () => {
    expect(parseArgs(["--base_model", ""], defs).flags.base_model).toBe("");
    expect(parseArgs(["--base_model", "--x"], defs).flags.base_model).toBe("--x");
  });

  it("rejects unknown flags, missing values and bad numbers with one line", () => {
    expect(() => parseArgs(["--nope=1"], defs)).toThrow("unknown flag --nope");
    expect(() => parseArgs(["--cutoff_len"], defs)).toThrow("--cutoff_len needs a value");
    expect(() => parseArgs(["--cutoff_len=abc"], defs)).toThrow("--cutoff_len: expected a number, got 'abc'");
    expect(() => parseArgs(["--cli=maybe"], defs)).toThrow("--cli: expected true or false");
  });
});

describe("main", () => {
  it("answers an unknown command with exit code 2 and one line", async () => {
    const io = memoryIo();
    expect(await main(["frobnicate"], io)).toBe(2);
    expect(io.err()).toBe("h2ogpt: unknown command 'frobnicate' (see h2ogpt --help)\n");
  });

  it("lists commands in --help", async () => {
    const io = memoryIo();
    expect(await main(["--help"], io)).toBe(0);
    expect(io.out()).toContain("prompt");
  });
});
