import {mkdir, mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ggufValue, writeGguf} from "../gguf/index.js";
import {InputFileError} from "../errors/index.js";
import {ChatTemplateError, loadChatTemplate} from "./index.js";

const TEMPLATE = "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}{% endfor %}{{ eos_token }}";
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-chat-template-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe("loadChatTemplate", () => {
  it("reads a Jinja file", async () => {
    await writeFile(join(dir, "t.jinja"), TEMPLATE);
    expect(await loadChatTemplate(join(dir, "t.jinja"))).toEqual({template: TEMPLATE, source: join(dir, "t.jinja")});
  });

  it("reads tokenizer_config.json: string or named list, special tokens as strings or AddedToken objects, a folder", async () => {
    const folder = join(dir, "model");
    await mkdir(folder);
    const config = join(folder, "tokenizer_config.json");
    await writeFile(config, JSON.stringify({chat_template: TEMPLATE, bos_token: "<s>", eos_token: {content: "</s>", lstrip: false}}));
    const expected = {template: TEMPLATE, bosToken: "<s>", eosToken: "</s>", source: config};
    expect(await loadChatTemplate(config)).toEqual(expected);
    expect(await loadChatTemplate(folder)).toEqual(expected);

    const listed = join(dir, "listed.json");
    await writeFile(listed, JSON.stringify({chat_template: [{name: "default", template: TEMPLATE}, {name: "tool_use", template: "{{ 'tools' }}"}]}));
    expect((await loadChatTemplate(listed)).template).toBe(TEMPLATE);
    expect((await loadChatTemplate(listed, {name: "tool_use"})).template).toBe("{{ 'tools' }}");
    await expect(loadChatTemplate(listed, {name: "rag"})).rejects.toThrow(`${listed}: has no chat template named 'rag' (it has: default, tool_use)`);
  });

  it("reads tokenizer.chat_template and the bos/eos token texts from a GGUF", async () => {
    const path = join(dir, "vocab.gguf");
    await writeGguf(path, {
      metadata: {
        "general.architecture": ggufValue.string("llama"),
        "tokenizer.chat_template": ggufValue.string(TEMPLATE),
        "tokenizer.ggml.tokens": {type: "array", value: {itemType: "string", items: ["<unk>", "<s>", "</s>"]}},
        "tokenizer.ggml.bos_token_id": ggufValue.u32(1),
        "tokenizer.ggml.eos_token_id": ggufValue.u32(2)
      },
      tensors: []
    });
    expect(await loadChatTemplate(path)).toEqual({template: TEMPLATE, bosToken: "<s>", eosToken: "</s>", source: path});
    await expect(loadChatTemplate(path, {name: "rag"})).rejects.toThrow(`${path}: has no tokenizer.chat_template.rag`);
  });

  it("names the file and the problem", async () => {
    await expect(loadChatTemplate(join(dir, "missing.jinja"))).rejects.toThrow(new InputFileError(join(dir, "missing.jinja"), "cannot be read (ENOENT)"));
    const noTemplate = join(dir, "plain.json");
    await writeFile(noTemplate, JSON.stringify({eos_token: "</s>"}));
    await expect(loadChatTemplate(noTemplate)).rejects.toThrow(`${noTemplate}: has no chat_template`);
    const notJson = join(dir, "bad.json");
    await writeFile(notJson, "{chat_template:");
    await expect(loadChatTemplate(notJson)).rejects.toThrow(/bad\.json: is not JSON/);
    const broken = join(dir, "broken.jinja");
    await writeFile(broken, "{% if %}");
    await expect(loadChatTemplate(broken)).rejects.toThrow(ChatTemplateError);
    await expect(loadChatTemplate(broken)).rejects.toThrow(`chat template ${broken}: does not parse`);
  });
});
