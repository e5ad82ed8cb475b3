import {readFileSync} from "node:fs";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {PROMPT_TYPES, renderChatPrompt, stopStrings} from "../../src/prompts/index.js";
import {projectRoot} from "../support/shared.js";

/** human_bot_orig's example shows this moment. */
const EXAMPLE_CLOCK = {now: new Date("2024-03-05T14:07:09Z"), timeZone: "UTC"};

describe("docs/prompt-types.md", () => {
  const doc = readFileSync(join(projectRoot, "docs", "prompt-types.md"), "utf8");

  it("documents every type with its number, default system prompt, example and stop strings as the code renders them", () => {
    for (const row of PROMPT_TYPES) {
      const section = doc.split(`\n### ${row.name}\n`)[1]?.split("\n### ")[0];
      expect(section, row.name).toBeDefined();
      expect(section, row.name).toContain(`Number ${row.value}`);
      if (row.defaultSystemPrompt != null) expect(section, row.name).toContain(JSON.stringify(row.defaultSystemPrompt));
      if (row.usesChatTemplate || row.name === "custom") continue;
      const example = renderChatPrompt({
        promptType: row.name,
        systemPrompt: "",
        history: [["Hello!", "Hi!"], ["Go to the market?", null]],
        ...EXAMPLE_CLOCK
      });
      expect(section, row.name).toContain(JSON.stringify(example.prompt));
      expect(section, row.name).toContain(JSON.stringify(stopStrings({promptType: row.name})));
    }
  });
});
