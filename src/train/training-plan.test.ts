import {describe, expect, it} from "vitest";
import {learningRateAt} from "./lr-schedule.js";
import {describePlan, epochAt, epochOrder, groupedEpochOrder, stepMicroBatches, trainingPlan, warmupFor} from "./training-plan.js";

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

describe("warmupFor and describePlan", () => {
  it("scales the default warmup to a short run, so its one step trains at the peak learning rate", () => {
    const plan = trainingPlan({rows: 30, microBatchSize: 4, batchSize: 128, numEpochs: 1});
    const warmup = warmupFor({totalSteps: plan.totalSteps});
    expect(warmup.steps).toBe(0);
    expect(warmup.message).toContain("the default 100 is for runs of 1,000 steps or more; this run has 1");
    expect(learningRateAt({step: 0, totalSteps: 1, warmupSteps: warmup.steps, peak: 3e-4, schedule: "cosine"})).toBe(3e-4);
    expect(warmupFor({totalSteps: 300})).toEqual({steps: 30, message: expect.stringContaining("this run has 300")});
    expect(warmupFor({totalSteps: 5000})).toEqual({steps: 100});
  });

  it("keeps a given warmup shorter than the run, and cuts a longer one to a tenth with a warning", () => {
    expect(warmupFor({requested: 5, totalSteps: 20})).toEqual({steps: 5});
    expect(warmupFor({requested: 0, totalSteps: 1})).toEqual({steps: 0});
    const cut = warmupFor({requested: 100, totalSteps: 40});
    expect(cut.steps).toBe(4);
    expect(cut.message).toMatch(/^warning: --warmup_steps=100 is not shorter than this 40-step run/);
  });

  it("reports the real counts: micro-batches per step, not batch_size / micro_batch_size", () => {
    expect(describePlan(trainingPlan({rows: 30, microBatchSize: 4, batchSize: 128, numEpochs: 1}), 1)).toBe(
      "30 rows, 1 epoch: 1 optimizer step of 8 micro-batches of up to 4 rows; --batch_size is more than all the rows, so each step is a whole epoch"
    );
    expect(describePlan(trainingPlan({rows: 10, microBatchSize: 4, batchSize: 8, numEpochs: 2}), 2)).toBe(
      "10 rows, 2 epochs: 4 optimizer steps (2 per epoch) of 2 micro-batches of up to 4 rows (the last step of each epoch: 1)"
    );
  });
});
