import {describe, expect, it} from "vitest";
import {adamwStep, createAdamWState} from "./adamw.js";
import {clipGradNorm} from "./clip-grad-norm.js";

describe("adamwStep", () => {
  it("matches torch.optim.AdamW's update on a hand-computed example", () => {
    const params = new Map([["w", new Float32Array([1, -2])]]);
    const state = createAdamWState(params);
    const hyper = {learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01};
    adamwStep({params, grads: new Map([["w", new Float32Array([0.5, -0.25])]]), state, hyper, decays: () => true});
    // Step 1: m_hat = g, v_hat = g^2, so the update is lr * sign(g) after decay p *= 1 - lr*wd.
    expect(params.get("w")![0]).toBeCloseTo(1 * (1 - 0.001) - 0.1, 6);
    expect(params.get("w")![1]).toBeCloseTo(-2 * (1 - 0.001) + 0.1, 6);
    adamwStep({params, grads: new Map([["w", new Float32Array([0.5, 0.25])]]), state, hyper, decays: () => false});
    const m = 0.9 * (0.1 * -0.25) + 0.1 * 0.25;
    const v = 0.999 * (0.001 * 0.0625) + 0.001 * 0.0625;
    const expected = -2 * (1 - 0.001) + 0.1 - (0.1 / (1 - 0.81)) * m / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** 2) + 1e-8);
    expect(params.get("w")![1]).toBeCloseTo(expected, 5);
    expect(state.step).toBe(2);
  });

  it("skips parameters without a gradient", () => {
    const params = new Map([["a", new Float32Array([1])], ["b", new Float32Array([1])]]);
    const state = createAdamWState(params);
    adamwStep({params, grads: new Map([["a", new Float32Array([1])]]), state, hyper: {learningRate: 1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0}, decays: () => true});
    expect(params.get("b")![0]).toBe(1);
  });
});

describe("clipGradNorm", () => {
  it("scales gradients to the maximum norm and reports the original norm", () => {
    const grads = new Map([["a", new Float32Array([3])], ["b", new Float32Array([4])]]);
    expect(clipGradNorm(grads, 1)).toBeCloseTo(5);
    expect(grads.get("a")![0]).toBeCloseTo(0.6, 5);
    expect(grads.get("b")![0]).toBeCloseTo(0.8, 5);
    expect(clipGradNorm(grads, 10)).toBeCloseTo(1, 5);
    expect(grads.get("a")![0]).toBeCloseTo(0.6, 5);
  });
});
