import {describe, expect, it} from "vitest";
import {toMicroBatch, trainedTokens} from "./micro-batch.js";

describe("toMicroBatch", () => {
  it("shifts labels, masks -100 and padding, and pads to a multiple of 8", () => {
    const batch = toMicroBatch(
      [
        {inputIds: [5, 6, 7, 8], labels: [-100, -100, 7, 8]},
        {inputIds: [9, 10], labels: [9, 10]}
      ],
      {padTokenId: 1}
    );
    expect(batch.length).toBe(8);
    expect([...batch.tokens.slice(0, 8)]).toEqual([5, 6, 7, 1, 1, 1, 1, 1]);
    expect([...batch.targets.slice(0, 8)]).toEqual([0, 7, 8, 0, 0, 0, 0, 0]);
    expect([...batch.lossMask.slice(0, 8)]).toEqual([0, 1, 1, 0, 0, 0, 0, 0]);
    expect([...batch.tokens.slice(8, 10)]).toEqual([9, 1]);
    expect([...batch.targets.slice(8, 10)]).toEqual([10, 0]);
    expect([...batch.lossMask.slice(8, 16)]).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("fills a short batch with masked rows", () => {
    const batch = toMicroBatch([{inputIds: [1, 2, 3], labels: [1, 2, 3]}], {batchSize: 3, multipleOf: 4});
    expect(batch.batchSize).toBe(3);
    expect(batch.tokens.length).toBe(12);
    expect([...batch.lossMask]).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("counts the tokens a row trains on", () => {
    expect(trainedTokens({inputIds: [1, 2, 3], labels: [1, -100, 3]})).toBe(1);
    expect(trainedTokens({inputIds: [1], labels: [1]})).toBe(0);
  });
});
