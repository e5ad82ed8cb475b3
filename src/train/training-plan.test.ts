import {describe, expect, it} from "vitest";
import {epochAt, epochOrder, groupedEpochOrder, stepMicroBatches, trainingPlan} from "./training-plan.js";

describe("trainingPlan", () => {
  it("follows h2oGPT's batch_size / micro_batch_size accumulation", () => {
    const plan = trainingPlan({rows: 10, microBatchSize: 4, batchSize: 8, numEpochs: 2});
    expect(plan).toMatchObject({accumulation: 2, microBatchesPerEpoch: 3, stepsPerEpoch: 2, totalSteps: 4});
    expect(epochAt(plan, 3)).toBe(1.5);
  });

  it("covers every row once per epoch, reshuffling each epoch, the same way on every run", () => {
    const plan = trainingPlan({rows: 10, microBatchSize: 4, batchSize: 8, numEpochs: 2});
    const order = (epoch: number) => epochOrder(10, 42, epoch);
    const epoch0 = [...stepMicroBatches(plan, 0, order), ...stepMicroBatches(plan, 1, order)];
    expect(epoch0.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(epoch0.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(stepMicroBatches(plan, 2, order).flat()).not.toEqual(epoch0.flat().slice(0, 8));
    expect(epochOrder(10, 42, 1)).toEqual(epochOrder(10, 42, 1));
    expect(epochOrder(10, 43, 1)).not.toEqual(epochOrder(10, 42, 1));
  });

  it("groups rows of similar length like Hugging Face's group_by_length", () => {
    const lengths = Array.from({length: 64}, (_, i) => (i * 37) % 100);
    const order = groupedEpochOrder(lengths, 4, 1, 0);
    expect([...order].sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    // 64 rows / (4 x 4) = 4 micro-batches per mega-batch of 16 rows, each sorted longest first.
    for (let i = 1; i < order.length; i++) if (i % 16 !== 0) expect(lengths[order[i]!]!).toBeLessThanOrEqual(lengths[order[i - 1]!]!);
    expect(groupedEpochOrder(lengths, 4, 1, 0)).toEqual(order);
    expect(groupedEpochOrder(Array.from({length: 400}, (_, i) => i % 7), 4, 1, 1)).not.toEqual(groupedEpochOrder(Array.from({length: 400}, (_, i) => i % 7), 4, 1, 0));
  });
});
