import {describe, expect, it} from "vitest";
import {UsageError} from "../errors/index.js";
import {resolvePromptType, UnknownPromptTypeError} from "./index.js";

describe("resolvePromptType", () => {
  it("accepts a name, a number or a number as a string", () => {
    expect(resolvePromptType("llama2").value).toBe(29);
    expect(resolvePromptType(29).name).toBe("llama2");
    expect(resolvePromptType("29").name).toBe("llama2");
    expect(resolvePromptType("-3").name).toBe("template");
    expect(resolvePromptType("").name).toBe("unknown");
  });

  it("accepts simple_instruct by name only, as h2oGPT does", () => {
    expect(resolvePromptType("simple_instruct").value).toBe(6);
    expect(() => resolvePromptType(6)).toThrow(UnknownPromptTypeError);
    expect(() => resolvePromptType("6")).toThrow('unknown prompt_type "6"');
  });

  it("rejects anything else with a usage error naming the value", () => {
    for (const value of ["Llama2", "llama2 ", "73", 73, 1.5, "1e1"]) {
      expect(() => resolvePromptType(value), String(value)).toThrow(UnknownPromptTypeError);
      expect(() => resolvePromptType(value)).toThrow(UsageError);
    }
    expect(() => resolvePromptType("nope")).toThrow('unknown prompt_type "nope" (see h2ogpt prompt-types)');
  });
});
