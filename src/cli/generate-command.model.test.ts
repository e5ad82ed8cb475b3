import {execFile} from "node:child_process";
import {existsSync, statSync} from "node:fs";
import {copyFile, mkdtemp, readFile, readdir, rm, truncate, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {promisify} from "node:util";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {memoryIo} from "../../test/support/memory-io.js";
import {inCi, projectRoot, tinyLlamaPath} from "../../test/support/shared.js";
import {main} from "./main.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-generate-cli-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

const model = (): string[] => [`--base_model=${tinyLlamaPath}`, "--max_seq_len=256"];

describe("h2ogpt generate on the tiny llama fixture", () => {
  it.skipIf(tinyLlamaPath == null)("prints one answer, and with --json the result object", async () => {
    const plain = memoryIo({cwd: dir, stdin: ""});
    expect(await main(["generate", ...model(), "--prompt_type=human_bot", "--instruction=Who are you?", "--max_new_tokens=8", "--stop= Pakistan"], plain)).toBe(0);
    expect(plain.out()).toBe("мало ung\n");
    const json = memoryIo({cwd: dir, stdin: ""});
    expect(await main(["generate", ...model(), "--prompt_type=human_bot", "--instruction", "Who are you?", "--max_new_tokens", "8", "--json"], json)).toBe(0);
    const result = JSON.parse(json.out());
    expect(Object.keys(result)).toEqual(["response", "prompt_tokens", "completion_tokens", "max_new_tokens", "stop_reason", "turns_dropped", "prompt_type"]);
    expect(result.prompt_type).toBe("human_bot");
    expect(result).toMatchObject({prompt_tokens: 12, completion_tokens: 8, max_new_tokens: 8, stop_reason: "length", turns_dropped: 0});
    expect(result.response.startsWith("мало ung Pakistan")).toBe(true);
  });

  it.skipIf(tinyLlamaPath == null)("takes --history from a file (pairs ending with the message to answer)", async () => {
    await writeFile(join(dir, "history.json"), JSON.stringify([["Hi", "Hello!"], ["Who are you?", null]]));
    const io = memoryIo({cwd: dir, stdin: ""});
    expect(await main(["generate", ...model(), "--prompt_type=human_bot", "--history=@history.json", "--max_new_tokens=4", "--json"], io)).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({completion_tokens: 4, turns_dropped: 0});
  });

  it.skipIf(tinyLlamaPath == null)("puts --context (text or @FILE) and an eval record's context before the prompt", async () => {
    await writeFile(join(dir, "context.txt"), "<human>: Hi\n<bot>: Hello!\n");
    const withContext = memoryIo({cwd: dir, stdin: ""});
    expect(await main(["generate", ...model(), "--prompt_type=human_bot", "--context=@context.txt", "--instruction=Who are you?", "--max_new_tokens=2", "--json"], withContext)).toBe(0);
    const inline = memoryIo({cwd: dir, stdin: ""});
    expect(await main(["generate", ...model(), "--prompt_type=human_bot", "--context=<human>: Hi\n<bot>: Hello!\n", "--instruction=Who are you?", "--max_new_tokens=2", "--json"], inline)).toBe(0);
    // Without a context the same question is 12 tokens (the first test).
    expect(JSON.parse(withContext.out()).prompt_tokens).toBeGreaterThan(12);
    expect(JSON.parse(inline.out())).toEqual(JSON.parse(withContext.out()));

    await writeFile(join(dir, "context.jsonl"), JSON.stringify({context: "<human>: Hi\n<bot>: Hello!\n", instruction: "Who are you?"}) + "\n");
    const io = memoryIo({cwd: dir, stdin: ""});
    expect(await main(["generate", ...model(), "--prompt_type=human_bot", "--eval", "--data_path=context.jsonl", "--max_new_tokens=2"], io)).toBe(0);
    const [line] = (await readFile(join(dir, "context.eval.jsonl"), "utf8")).trim().split("\n").map((text) => JSON.parse(text));
    expect(line).toMatchObject({context: "<human>: Hi\n<bot>: Hello!\n", prompt: "<human>: Hi\n<bot>: Hello!\n<human>: Who are you?\n<bot>:", prompt_tokens: JSON.parse(inline.out()).prompt_tokens});
  });

  it.skipIf(tinyLlamaPath == null)("exits 3 with both numbers on one line when the message does not fit", async () => {
    const io = memoryIo({cwd: dir, stdin: ""});
    expect(await main(["generate", ...model(), "--prompt_type=plain", `--instruction=${"word ".repeat(400)}`], io)).toBe(3);
    expect(io.err()).toMatch(/^h2ogpt generate: prompt has \d+ tokens but the context holds 256: [^\n]+\n$/);
  });

  it.skipIf(tinyLlamaPath == null)("exits 2 with one line for a corrupt model", async () => {
    const cut = join(dir, "cut.gguf");
    await copyFile(tinyLlamaPath!, cut);
    await truncate(cut, 5000);
    const io = memoryIo({cwd: dir, stdin: ""});
    expect(await main(["generate", "--base_model=cut.gguf", "--instruction=x"], io)).toBe(2);
    expect(io.err()).toMatch(new RegExp(`^h2ogpt generate: ${cut}: not a valid GGUF file: truncated[^\\n]*\\n$`));
  });

  it.skipIf(tinyLlamaPath == null)("--cli chats: streams each answer and keeps the history", async () => {
    const io = memoryIo({cwd: dir, stdin: "Who are you?\n\n/clear\nWho are you?\n"});
    expect(await main(["generate", ...model(), "--prompt_type=human_bot", "--cli", "--max_new_tokens=3"], io)).toBe(0);
    const answers = io.out().split("\n").filter(Boolean);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toBe(answers[1]);
    expect(io.err()).toContain("(conversation cleared)");
  });

  it.skipIf(tinyLlamaPath == null)("--eval answers every record with progress and writes JSON Lines atomically", async () => {
    const data = join(dir, "questions.jsonl");
    await writeFile(
      data,
      [
        JSON.stringify({question: "Who are you?", output: "A bot."}),
        JSON.stringify({question: "Translate", input: "Good morning"}),
        JSON.stringify({question: "word ".repeat(400)})
      ].join("\n") + "\n"
    );
    const io = memoryIo({cwd: dir, stdin: ""});
    const argv = ["generate", ...model(), "--prompt_type=human_bot", "--eval", "--data_path=questions.jsonl", "--data_col_dict={'question': 'instruction'}", "--max_new_tokens=4"];
    expect(await main(argv, io)).toBe(0);
    const lines = (await readFile(join(dir, "questions.eval.jsonl"), "utf8")).trim().split("\n").map((line) => JSON.parse(line));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({source: {file: "questions.jsonl", line: 1}, instruction: "Who are you?", output: "A bot.", prompt: "<human>: Who are you?\n<bot>:", completion_tokens: 4, stop_reason: "length"});
    expect(lines[1].prompt).toBe("<human>: Translate\nGood morning\n<bot>:");
    expect(lines[2].error).toMatch(/^prompt has \d+ tokens but the context holds 256/);
    expect(io.err()).toContain("eval");
    expect(io.err()).toContain("3/3");
    expect(io.err()).toContain("1 record(s) failed");
    expect((await readdir(dir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  const built = join(projectRoot, "dist", "cli", "generate-command.js");
  const fresh = existsSync(built) && statSync(built).mtimeMs >= statSync(join(projectRoot, "src", "cli", "generate-command.ts")).mtimeMs;
  // npm test builds first, so in CI a stale dist/ is a failure; elsewhere the spawn is skipped with the reason.
  if (!fresh && !inCi) console.warn("skipping the binary spawn: dist/ is missing or older than src/ (run `npm run build`)");

  it.skipIf(tinyLlamaPath == null || (!fresh && !inCi))("the built binary answers the same way (one spawn)", async () => {
    expect(fresh, "dist/ is missing or older than src/: npm test builds before testing").toBe(true);
    const bin = join(projectRoot, "bin", "h2ogpt.cjs");
    const {stdout} = await promisify(execFile)(process.execPath, [bin, "generate", ...model(), "--prompt_type=human_bot", "--instruction=Who are you?", "--max_new_tokens=8", "--stop= Pakistan"]);
    expect(stdout).toBe("мало ung\n");
  });
});
