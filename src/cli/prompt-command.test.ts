import {execFile} from "node:child_process";
import {existsSync} from "node:fs";
import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {promisify} from "node:util";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {runMain} from "../../test/support/run-main.js";
import {projectRoot} from "../../test/support/shared.js";
import {h2ogptVectors as V} from "../../test/prompts/h2ogpt-vectors.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-prompt-cli-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

const run = (...argv: string[]) => runMain(argv, {cwd: dir});

const humanBot3 = V.test_prompter.with_context.find((c) => c.prompt_type === "human_bot")!.expected;

describe("h2ogpt prompt", () => {
  it("prints the training string and nothing else", async () => {
    const result = await run("prompt", "--prompt_type=human_bot", "--instruction=Who are you?", "--output=I am h2oGPT.");
    expect(result).toEqual({code: 0, out: "<human>: Who are you?\n<bot>:I am h2oGPT.", err: ""});
  });

  it("takes --flag value, a type number, and puts an input without instruction in its place", async () => {
    const result = await run("prompt", "--prompt_type", "3", "--input", "Who are you?", "--output", "My name is h2oGPT.");
    expect(result.out).toBe("<human>: Who are you?\n<bot>:My name is h2oGPT.");
  });

  it("prints the single-turn prompt without --output, with the system prompt flag", async () => {
    expect((await run("prompt", "--prompt_type=llama2", "--system_prompt=", "--instruction=Go to the market?")).out).toBe(
      "<s>[INST] Go to the market? [/INST]"
    );
  });

  it("prints a chat prompt from --history JSON, a Python literal in a file, or OpenAI messages", async () => {
    const pairs = JSON.stringify(V.history3);
    expect((await run("prompt", "--prompt_type=human_bot", `--history=${pairs}`)).out).toBe(humanBot3);
    await writeFile(join(dir, "history.py"), "[['Hello!', 'Hi!'], ['How are you?', \"I'm good\"], ['Go to the market?', None]]");
    expect((await run("prompt", "--prompt_type=human_bot", "--history=@history.py")).out).toBe(humanBot3);
    const messages = JSON.stringify([
      {role: "user", content: "Hello!"},
      {role: "assistant", content: "Hi!"},
      {role: "user", content: "How are you?"},
      {role: "assistant", content: "I'm good"},
      {role: "user", content: "Go to the market?"}
    ]);
    expect((await run("prompt", "--prompt_type=human_bot", "--history", messages)).out).toBe(humanBot3);
  });

  it("prints {prompt, stop, prompt_type} with --json", async () => {
    const result = await run("prompt", "--prompt_type=29", "--system_prompt=", "--instruction=Hi", "--json");
    expect(JSON.parse(result.out)).toEqual({prompt: "<s>[INST] Hi [/INST]", stop: ["[INST]", "</s>", "[/INST]"], prompt_type: "llama2"});
  });

  it("renders prompt_type custom from a Python-dict prompt_dict", async () => {
    const result = await run(
      "prompt",
      "--prompt_type=custom",
      `--prompt_dict=${V.prompt_dicts.python as string}`,
      "--instruction=Name a color.",
      "--output=Blue."
    );
    expect(result.out).toBe("### Q: Name a color.\n### A: Blue.");
  });

  it("renders with --chat_template (prompt_type defaults to unknown), system prompt included", async () => {
    const t = V.chat_templates.templates.chatml!;
    await writeFile(join(dir, "chatml.jinja"), t.template);
    const result = await run("prompt", "--chat_template=chatml.jinja", `--system_prompt=${V.chat_templates.system}`, "--history", JSON.stringify(V.history1));
    expect(result.out).toBe(t.renders["system+history1"]!.generation.value);
    const json = JSON.parse((await run("prompt", "--chat_template", "chatml.jinja", "--history", JSON.stringify(V.history1), "--json")).out);
    expect(json.stop).toEqual(["<|im_end|>"]);
    expect(json.prompt_type).toBe("unknown");
  });

  it.each([
    [["--prompt_type=nope", "--instruction=x"], 'h2ogpt prompt: unknown prompt_type "nope" (see h2ogpt prompt-types)\n'],
    [["--prompt_type=6", "--instruction=x"], 'h2ogpt prompt: unknown prompt_type "6" (see h2ogpt prompt-types)\n'],
    [["--instruction=x"], "h2ogpt prompt: --prompt_type is required (see h2ogpt prompt-types)\n"],
    [["--prompt_type=plain"], "h2ogpt prompt: give --instruction and/or --input (with --output for a training string), or --history\n"],
    [["--prompt_type=plain", "--instruction=x", "--history=[]"], "h2ogpt prompt: use --history or --instruction/--input/--output, not both\n"],
    [["--prompt_type=plain", "--history={'a'"], "h2ogpt prompt: --history: not JSON or a Python literal (expected ':' at character 5)\n"],
    [["--prompt_type=plain", "--history=[['hi', 'there']]"], "h2ogpt prompt: history[0][1]: the last turn must be [user, null]: the message to answer\n"],
    [["--prompt_type=unknown", '--history=[["hi", null]]'], "h2ogpt prompt: prompt_type unknown renders with the model's chat template; pass one (--chat_template=FILE) or choose a prompt_type\n"],
    [["--prompt_type=custom", "--prompt_dict={'PreResponce': 'x'}", "--instruction=x"], "h2ogpt prompt: prompt_dict.PreResponce: is not one of h2oGPT's prompt_dict fields\n"]
  ])("fails with one line and exit code 2: %j", async (argv, message) => {
    const result = await run("prompt", ...argv);
    expect(result).toEqual({code: 2, out: "", err: message});
  });

  it("names a missing file", async () => {
    const missing = await run("prompt", "--prompt_type=plain", "--history=@nowhere.json");
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`h2ogpt prompt: ${join(dir, "nowhere.json")}: cannot be read (ENOENT)\n`);
    const template = await run("prompt", "--chat_template=nowhere.jinja", "--history=[['hi', null]]");
    expect(template.err).toBe(`h2ogpt prompt: ${join(dir, "nowhere.jinja")}: cannot be read (ENOENT)\n`);
  });
});

describe("h2ogpt prompt-types", () => {
  it("lists every type with its number and where its system prompt goes", async () => {
    const {code, out} = await run("prompt-types");
    expect(code).toBe(0);
    const lines = out.split("\n");
    expect(lines[0]).toMatch(/^NAME\s+NUMBER\s+SYSTEM\s+DEFAULT SYSTEM PROMPT$/);
    expect(lines.find((line) => line.startsWith("llama2 "))).toMatch(/^llama2\s+29\s+yes\s+You are a helpful, respectful/);
    expect(lines.find((line) => line.startsWith("simple_instruct "))).toMatch(/^simple_instruct\s+6\*\s+first turn\s+-$/);
    expect(lines.filter((line) => /^\w+\s+-?\d+\*?\s/.test(line))).toHaveLength(76);
  });

  it("prints JSON with --json", async () => {
    const rows = JSON.parse((await run("prompt-types", "--json")).out);
    expect(rows).toHaveLength(76);
    expect(rows[3]).toEqual({name: "plain", number: 0, by_name_only: false, system_prompt: "first turn", default_system_prompt: null});
  });
});

describe("the h2ogpt binary", () => {
  const bin = join(projectRoot, "bin", "h2ogpt.cjs");
  const built = existsSync(join(projectRoot, "dist", "cli", "main.js"));

  it("prints a prompt with no added newline and fails with exit code 2 (needs `npm run build`)", async () => {
    expect(built, "dist/ is missing: run `npm run build` first (npm test does)").toBe(true);
    const exec = promisify(execFile);
    const ok = await exec(process.execPath, [bin, "prompt", "--prompt_type=llama2", "--system_prompt=", "--instruction=Hi"]);
    expect(ok.stdout).toBe("<s>[INST] Hi [/INST]");
    const failed = await exec(process.execPath, [bin, "prompt", "--prompt_type=nope", "--instruction=Hi"]).catch((error) => error);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toBe('h2ogpt prompt: unknown prompt_type "nope" (see h2ogpt prompt-types)\n');
  });
});
