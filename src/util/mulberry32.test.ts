import {describe, expect, it} from "vitest";
import {mulberry32} from "./mulberry32.js";

describe("mulberry32", () => {
  it("gives mulberry32's own stream, so seeded splits, samples and models stay the same", () => {
    const random = mulberry32(42);
    expect([random(), random(), random()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
    const zero = mulberry32(0);
    expect([zero(), zero()]).toEqual([0.26642920868471265, 0.0003297457005828619]);
  });

  it("repeats for a seed and differs between seeds", () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
    expect(mulberry32(8)()).not.toBe(mulberry32(7)());
  });

  it("reads the seed as an unsigned 32-bit number", () => {
    expect(mulberry32(-1)()).toBe(mulberry32(2 ** 32 - 1)());
    expect(mulberry32(2 ** 32 + 5)()).toBe(mulberry32(5)());
  });
});
