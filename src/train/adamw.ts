/**
 * AdamW as torch.optim.AdamW (h2oGPT's `adamw_torch`): decoupled weight decay p -= lr*wd*p, then the Adam
 * update with bias-corrected moments. Works in place on Float32Arrays; the moments live in `AdamWState`.
 */

export interface AdamWHyper {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
}

export const ADAMW_DEFAULTS: Omit<AdamWHyper, "learningRate"> = {beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0};

export interface AdamWState {
  /** Optimizer steps taken so far. */
  step: number;
  readonly m: Map<string, Float32Array>;
  readonly v: Map<string, Float32Array>;
}

export function createAdamWState(params: ReadonlyMap<string, Float32Array>): AdamWState {
  const m = new Map<string, Float32Array>();
  const v = new Map<string, Float32Array>();
  for (const [name, value] of params) {
    m.set(name, new Float32Array(value.length));
    v.set(name, new Float32Array(value.length));
  }
  return {step: 0, m, v};
}

/**
 * One update of every parameter that has a gradient. `decays(name)` says which parameters get weight decay
 * (Hugging Face's Trainer exempts biases and norm weights).
 */
export function adamwStep(options: {
  readonly params: Map<string, Float32Array>;
  readonly grads: ReadonlyMap<string, Float32Array>;
  readonly state: AdamWState;
  readonly hyper: AdamWHyper;
  readonly decays: (name: string) => boolean;
}): void {
  const {params, grads, state, hyper, decays} = options;
  state.step += 1;
  const {learningRate: lr, beta1, beta2, epsilon} = hyper;
  const correction1 = 1 - Math.pow(beta1, state.step);
  const correction2 = 1 - Math.pow(beta2, state.step);
  const stepSize = lr / correction1;
  const sqrtCorrection2 = Math.sqrt(correction2);
  for (const [name, p] of params) {
    const g = grads.get(name);
    if (g == null) continue;
    const m = state.m.get(name)!;
    const v = state.v.get(name)!;
    const decay = decays(name) ? 1 - lr * hyper.weightDecay : 1;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!;
      const mi = beta1 * m[i]! + (1 - beta1) * gi;
      const vi = beta2 * v[i]! + (1 - beta2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i]! * decay - (stepSize * mi) / (Math.sqrt(vi) / sqrtCorrection2 + epsilon);
    }
  }
}
