import {Worker} from "node:worker_threads";
import {afterEach, describe, expect, it, vi} from "vitest";
import {neoxVocabGgufPath} from "../../test/support/shared.js";
import {TokenizerPool} from "./tokenizer-pool.js";

const settings = {cutoffLen: 32, addEosToken: true, trainOnInputs: false};
const jobs = [
  {texts: ["<human>: What is 3?\n<bot>: It is 3.", "short"], promptLengths: [20, 2]},
  {texts: ["Ünïcödé and spaces   here", "x".repeat(200)], promptLengths: [3, 100]}
];

afterEach(() => {
  vi.restoreAllMocks();
});

describe.skipIf(neoxVocabGgufPath == null)("TokenizerPool on a GGUF vocabulary (llama.cpp in each worker)", () => {
  it("gives the calling thread's batches, and its workers release llama.cpp and end by themselves when closed", async () => {
    const local = await TokenizerPool.start({tokenizer: neoxVocabGgufPath!, workers: 0, settings});
    const expected = await Promise.all(jobs.map((job) => local.run(job)));
    await local.close();

    // Terminating a thread that still holds node-llama-cpp's objects aborted the whole process now and then
    // ("terminate called after throwing an instance of 'Napi::Error'"): close must not need to.
    const terminate = vi.spyOn(Worker.prototype, "terminate");
    const pool = await TokenizerPool.start({tokenizer: neoxVocabGgufPath!, workers: 2, settings});
    expect(await Promise.all(jobs.map((job) => pool.run(job)))).toEqual(expected);
    await pool.close();
    expect(terminate).not.toHaveBeenCalled();
    await expect(pool.run(jobs[0]!)).rejects.toThrow("the tokenizer pool was closed");
  });
});
