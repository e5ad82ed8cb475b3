import {existsSync} from "node:fs";
import {stat} from "node:fs/promises";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {defaultModelPath} from "../../src/engine/index.js";
import {readGguf} from "../../src/gguf/index.js";
import {checkAnswers, sampleQuestions} from "../../scripts/train-default/check-answers.js";
import {readFaq} from "../../scripts/train-default/corpus.js";
import {inCi, projectRoot} from "../support/shared.js";

/** The built-in model `npm run train:default` writes and the repository commits. */
const modelPath = join(projectRoot, "models", "h2ogpt-ts-demo.gguf");
const present = existsSync(modelPath);
// The repository commits the model, so CI runs these tests (and fails on a missing file) rather than skipping.
if (!present && !inCi) console.warn(`skipping: ${modelPath} is not there yet; npm run train:default writes it`);

describe.skipIf(!present && !inCi)("the built-in demonstration model", () => {
  it("is the package's default model, under 25 MB, with the human_bot format in its metadata", async () => {
    expect(defaultModelPath(join(projectRoot, "models"))).toBe(modelPath);
    expect((await stat(modelPath)).size).toBeLessThan(25_000_000);
    const gguf = await readGguf(modelPath);
    expect(gguf.metadata["general.name"]?.value).toBe("h2ogpt-ts-demo");
    expect(String(gguf.metadata["tokenizer.chat_template"]?.value)).toContain("<human>: ");
  });

  it("answers 20 of its training questions exactly at temperature 0", async () => {
    const faq = await readFaq(join(projectRoot, "data", "default-model", "faq.json"));
    const checks = await checkAnswers(modelPath, sampleQuestions(faq, 20));
    expect(checks.filter((check) => !check.correct)).toEqual([]);
  });
});
