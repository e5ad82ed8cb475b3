import {describe, expect, it} from "vitest";
import {ropeTables} from "./rope-tables.js";

describe("ropeTables", () => {
  it("gives cos/sin of pos * base^(-2i/d) in [position, pair] order", () => {
    const {cos, sin} = ropeTables({length: 3, headDim: 4, freqBase: 10000});
    expect(cos.length).toBe(6);
    expect(cos[0]).toBe(1);
    expect(sin[2]).toBeCloseTo(Math.sin(1), 6);
    expect(sin[3]).toBeCloseTo(Math.sin(1 / 100), 6);
    expect(cos[5]).toBeCloseTo(Math.cos(2 / 100), 6);
  });
});
