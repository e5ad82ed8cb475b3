import {describe, expect, it} from "vitest";
import {learningRateAt} from "./lr-schedule.js";

describe("learningRateAt", () => {
  const base = {totalSteps: 110, warmupSteps: 10, peak: 1e-3};

  it("warms up linearly and decays by cosine to zero", () => {
    expect(learningRateAt({...base, step: 0, schedule: "cosine"})).toBeCloseTo(1e-3 / 11);
    expect(learningRateAt({...base, step: 9, schedule: "cosine"})).toBeCloseTo(1e-3 * (10 / 11));
    expect(learningRateAt({...base, step: 10, schedule: "cosine"})).toBeCloseTo(1e-3);
    expect(learningRateAt({...base, step: 60, schedule: "cosine"})).toBeCloseTo(5e-4);
    expect(learningRateAt({...base, step: 110, schedule: "cosine"})).toBeCloseTo(0);
  });

  it("supports linear and constant decay", () => {
    expect(learningRateAt({...base, step: 60, schedule: "linear"})).toBeCloseTo(5e-4);
    expect(learningRateAt({...base, step: 100, schedule: "constant"})).toBeCloseTo(1e-3);
  });
});
