import {describe, expect, it} from "vitest";
import {checkGenerateOptions, resolveSampling} from "./sampling-options.js";

describe("resolveSampling", () => {
  it("is greedy at temperature 0, or when do_sample is false", () => {
    expect(resolveSampling({maxNewTokens: 1})).toMatchObject({greedy: true, temperature: 0});
    expect(resolveSampling({maxNewTokens: 1, temperature: 0.7, doSample: false})).toMatchObject({greedy: true, temperature: 0});
    expect(resolveSampling({maxNewTokens: 1, temperature: 0, doSample: true})).toMatchObject({greedy: true});
  });

  it("samples at a positive temperature with top_k (0 = no limit) and top_p", () => {
    expect(resolveSampling({maxNewTokens: 1, temperature: 0.7, topK: 40, topP: 0.9, seed: 3})).toEqual({
      greedy: false, temperature: 0.7, topK: 40, topP: 0.9, minP: 0, seed: 3, repetitionPenalty: 1, presencePenalty: 0, frequencyPenalty: 0
    });
  });

  it("gives a sampling request that names no truncation llama-server's top_k 40 and min_p 0.05, and keeps named values exact", () => {
    expect(resolveSampling({maxNewTokens: 1, temperature: 1})).toMatchObject({topK: 40, topP: 1, minP: 0.05});
    expect(resolveSampling({maxNewTokens: 1, temperature: 1, topP: 0.9})).toMatchObject({topK: 40, topP: 0.9, minP: 0.05});
    expect(resolveSampling({maxNewTokens: 1, temperature: 1, topK: 0})).toMatchObject({topK: 0, minP: 0});
    expect(resolveSampling({maxNewTokens: 1, temperature: 1, topK: 7})).toMatchObject({topK: 7, minP: 0});
    expect(resolveSampling({maxNewTokens: 1, temperature: 1, minP: 0})).toMatchObject({topK: 40, minP: 0});
    expect(resolveSampling({maxNewTokens: 1, temperature: 1, topK: 0, minP: 0.1})).toMatchObject({topK: 0, minP: 0.1});
  });
});

describe("checkGenerateOptions", () => {
  it("names the parameter that is out of range", () => {
    expect(() => checkGenerateOptions({maxNewTokens: 1, topP: 1.5})).toThrow("topP: expected a number from 0 to 1, got 1.5");
    expect(() => checkGenerateOptions({maxNewTokens: 2.5})).toThrow("maxNewTokens: expected an integer");
    expect(() => checkGenerateOptions({maxNewTokens: 1, temperature: -1})).toThrow("temperature");
    expect(() => checkGenerateOptions({maxNewTokens: 1, seed: Number.NaN})).toThrow("seed");
    expect(() => checkGenerateOptions({maxNewTokens: 1, minP: 2})).toThrow("minP: expected a number from 0 to 1, got 2");
    expect(() => checkGenerateOptions({maxNewTokens: 1, presencePenalty: -2.5})).toThrow("presencePenalty: expected a number from -2 to 2, got -2.5");
    expect(() => checkGenerateOptions({maxNewTokens: 1, frequencyPenalty: 3})).toThrow("frequencyPenalty");
    expect(() => checkGenerateOptions({maxNewTokens: 10, temperature: 0.5, topK: 40, minNewTokens: 2, maxTime: 3, presencePenalty: 2, frequencyPenalty: -2})).not.toThrow();
  });

  it("takes logit biases from -100 to 100 on token ids from 0", () => {
    expect(() => checkGenerateOptions({maxNewTokens: 1, logitBias: new Map([[0, -100], [7, 100]])})).not.toThrow();
    expect(() => checkGenerateOptions({maxNewTokens: 1, logitBias: new Map([[-1, 1]])})).toThrow("logit_bias: token ids are integers from 0, got -1");
    expect(() => checkGenerateOptions({maxNewTokens: 1, logitBias: new Map([[1.5, 1]])})).toThrow("token ids are integers");
    expect(() => checkGenerateOptions({maxNewTokens: 1, logitBias: new Map([[3, 100.5]])})).toThrow("logit_bias: the bias of token 3 must be a number from -100 to 100, got 100.5");
    expect(() => checkGenerateOptions({maxNewTokens: 1, logitBias: new Map([[3, Number.NaN]])})).toThrow("the bias of token 3");
  });
});
