import {mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {runMain} from "../../test/support/run-main.js";
import {tinyLlamaPath} from "../../test/support/shared.js";
import {writeScoreModel} from "../../test/support/score-model.js";
import {referenceRankInput, referenceRankLogit, referenceWordPiece} from "../../test/support/reranker-reference.js";
import {writeRandomReranker} from "../../test/support/write-random-reranker.js";
import {loadScoreModel, type ScoreModel, scoreText, sigmoid} from "../score/index.js";

let dir: string;
let modelDir: string;
let model: ScoreModel;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-score-cli-"));
  modelDir = join(dir, "reward");
  writeScoreModel(modelDir);
  model = await loadScoreModel({path: modelDir});
});
afterAll(async () => {
  await model.dispose();
  await rm(dir, {recursive: true, force: true});
});

async function expectedScore(question: string, answer: string): Promise<number> {
  return sigmoid((await model.logits([{question, answer}]))[0]!);
}

describe("h2ogpt score", () => {
  it("scores one pair as h2oGPT's text, or JSON", async () => {
    const score = await expectedScore("What is the reward model?", "It scores answers.");
    const plain = await runMain(["score", "--score_model=reward", "--question=What is the reward model?", "--answer=It scores answers."], {cwd: dir});
    expect(plain).toMatchObject({code: 0, out: `${scoreText([score])}\n`});
    const json = await runMain(["score", "--score_model", modelDir, "--question", "What is the reward model?", "--answer", "It scores answers.", "--json"], {cwd: dir});
    expect(JSON.parse(json.out)).toEqual({score, score_text: scoreText([score])});
    const bad = await runMain(["score", "--score_model=reward", "--question=q", "--answer=", "--json"], {cwd: dir});
    expect(JSON.parse(bad.out)).toEqual({score: null, score_text: "Response Score: Bad Answer"});
  });

  it("scores every record of --data_path, then prints the mean, median and histogram", async () => {
    const records = [
      {instruction: "What is the reward model?", output: "It scores answers."},
      {instruction: "Who runs on a cpu?", input: "h2ogpt", output: "h2ogpt runs on a cpu."},
      {instruction: "Empty answer", output: ""},
      {text: "just text"},
      {messages: [{role: "user", content: "Is it fast?"}, {role: "assistant", content: "yes"}]}
    ];
    await writeFile(join(dir, "pairs.jsonl"), records.map((record) => JSON.stringify(record)).join("\n") + "\n");
    const result = await runMain(["score", "--score_model=reward", "--data_path=pairs.jsonl", "--json"], {cwd: dir});
    expect(result.code).toBe(0);
    const lines = result.out.trim().split("\n").map((line) => JSON.parse(line));
    const expected = [
      await expectedScore("What is the reward model?", "It scores answers."),
      await expectedScore("Who runs on a cpu?\nh2ogpt", "h2ogpt runs on a cpu."),
      await expectedScore("Is it fast?", "yes")
    ];
    expect(lines[0]).toEqual({source: {file: "pairs.jsonl", line: 1}, score: expected[0], score_text: scoreText([expected[0]!])});
    expect(lines[1].score).toBe(expected[1]);
    expect(lines[2]).toMatchObject({score: null, score_text: "Response Score: Bad Answer"});
    expect(lines[3]).toEqual({source: {file: "pairs.jsonl", line: 4}, error: "a text record has no question and answer (give instruction/output or messages)"});
    expect(lines[4].score).toBe(expected[2]);
    const sorted = [...expected].sort((a, b) => a - b);
    expect(lines[5].summary).toMatchObject({count: 3, missing: 2, median: sorted[1]});
    expect(lines[5].summary.mean).toBeCloseTo((expected[0]! + expected[1]! + expected[2]!) / 3, 12);
    expect(result.err).toContain("scored 3 pair(s) (2 without a score): mean ");
  });

  it("scores with a GGUF reranker: the independent forward pass's score", async () => {
    const reranker = await writeRandomReranker({path: join(dir, "reranker.gguf"), seed: 2});
    const question = "Who wrote the book?";
    const answer = "It was written by an author.";
    const ids = referenceRankInput(reranker, referenceWordPiece(reranker, question), referenceWordPiece(reranker, answer));
    const expected = sigmoid(referenceRankLogit(reranker.weights, ids));
    const result = await runMain(["score", "--score_model=reranker.gguf", `--question=${question}`, `--answer=${answer}`, "--json"], {cwd: dir});
    expect(result.code).toBe(0);
    const line = JSON.parse(result.out);
    expect(Math.abs(line.score - expected)).toBeLessThan(1e-5);
    expect(line.score_text).toBe(scoreText([expected]));
  });

  it("fails in one line naming what is missing", async () => {
    const missing = await runMain(["score", "--score_model=nowhere", "--question=q", "--answer=a"], {cwd: dir});
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`h2ogpt score: ${join(dir, "nowhere")}: no such file or directory\n`);
    const noModel = await runMain(["score", "--question=q", "--answer=a"], {cwd: dir});
    expect(noModel).toMatchObject({code: 2, err: "h2ogpt score: --score_model is required (an ONNX folder, a GGUF reward model or reranker, or 'default')\n"});
  });
});

describe("a bad --score_model", () => {
  it("stops serve and generate in one line before a chat model loads", async () => {
    const folder = join(dir, "half");
    await writeFile(join(dir, "not-a-model.txt"), "x");
    const serve = await runMain(["serve", "--port=0", "--score_model=not-a-model.txt"], {cwd: dir, stdin: ""});
    expect(serve.code).toBe(2);
    expect(serve.err).toBe(`h2ogpt serve: ${join(dir, "not-a-model.txt")}: not a score model: give a folder with model.onnx, tokenizer.json and config.json, a GGUF reward model or reranker, or 'default'\n`);
    const generate = await runMain(["generate", "--instruction=hi", `--score_model=${folder}`], {cwd: dir, stdin: ""});
    expect(generate).toMatchObject({code: 2, err: `h2ogpt generate: ${folder}: no such file or directory\n`});
  });
});

describe("h2ogpt generate --score_model", () => {
  const chat = (): string[] => [`--base_model=${tinyLlamaPath}`, "--max_seq_len=256", "--prompt_type=human_bot", "--max_new_tokens=6"];

  it.skipIf(tinyLlamaPath == null)("--json adds score and score_text for the answer", async () => {
    const result = await runMain(["generate", ...chat(), "--instruction=Who are you?", "--json", "--score_model=reward"], {cwd: dir, stdin: ""});
    expect(result.code).toBe(0);
    const line = JSON.parse(result.out);
    const score = await expectedScore("Who are you?", line.response);
    expect(line).toMatchObject({score, score_text: scoreText([score])});
  });

  it.skipIf(tinyLlamaPath == null)("--eval adds a score per record and the summary", async () => {
    await writeFile(join(dir, "eval.jsonl"), [{instruction: "Who are you?"}, {instruction: "What is h2ogpt?"}].map((r) => JSON.stringify(r)).join("\n") + "\n");
    const result = await runMain(["generate", ...chat(), "--eval", "--data_path=eval.jsonl", "--score_model=reward"], {cwd: dir, stdin: ""});
    expect(result.code).toBe(0);
    const lines = (await readFile(join(dir, "eval.eval.jsonl"), "utf8")).trim().split("\n").map((text) => JSON.parse(text));
    for (const line of lines) {
      const score = await expectedScore(line.instruction, line.response);
      expect(line).toMatchObject({score, score_text: scoreText([score])});
    }
    expect(result.err).toMatch(/scored 2 pair\(s\): mean \d+\.\d%, median \d+\.\d%\n {2}  0- 10%/);
  });
});
