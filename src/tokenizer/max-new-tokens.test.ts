import {describe, expect, it} from "vitest";
import {ContextOverflowError, UsageError} from "../errors/index.js";
import {maxNewTokens} from "./max-new-tokens.js";

describe("maxNewTokens", () => {
  it("caps the request by the room the prompt leaves (the FAQ: 2048 and 1900 give 148)", () => {
    expect(maxNewTokens({contextLength: 2048, promptTokens: 1900, requested: 1024})).toBe(148);
    expect(maxNewTokens({contextLength: 2048, promptTokens: 1900, requested: 100})).toBe(100);
    expect(maxNewTokens({contextLength: 2048, promptTokens: 2047, requested: 5})).toBe(1);
  });

  it("throws a ContextOverflowError carrying both numbers when no room is left", () => {
    for (const promptTokens of [2048, 3000]) {
      let caught: unknown;
      try {
        maxNewTokens({contextLength: 2048, promptTokens, requested: 10});
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ContextOverflowError);
      expect(caught).toMatchObject({nPromptTokens: promptTokens, nCtx: 2048, exitCode: 3});
    }
  });

  it("rejects counts that are not integers in range", () => {
    expect(() => maxNewTokens({contextLength: 0, promptTokens: 0, requested: 1})).toThrow(UsageError);
    expect(() => maxNewTokens({contextLength: 10, promptTokens: -1, requested: 1})).toThrow(UsageError);
    expect(() => maxNewTokens({contextLength: 10, promptTokens: 1, requested: 0})).toThrow(UsageError);
    expect(() => maxNewTokens({contextLength: 10, promptTokens: 1.5, requested: 2})).toThrow("promptTokens must be an integer >= 0, got 1.5");
  });
});
