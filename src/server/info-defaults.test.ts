import {describe, expect, it} from "vitest";
import {makeHarness} from "../../test/server/app-harness.js";
import {FakeEngine} from "../../test/generate/fake-engine.js";
import {ScriptedModel} from "../../test/server/scripted-model.js";
import {engineModel} from "./engine-model.js";

/** GET /api/info tells the UI each model's effective generation defaults, so the UI sends only what the user changed. */
describe("/api/info generation defaults", () => {
  it("reports the serve flags' defaults over h2oGPT's, with the server's max_new_tokens", async () => {
    const flagged = engineModel({engine: new FakeEngine({script: ["x"]}), name: "flagged", defaults: {temperature: 0.8, topP: 0.9, topK: 40, repetitionPenalty: 1.1}});
    const plain = new ScriptedModel({name: "plain"});
    const {fetch} = makeHarness({models: [flagged, plain]});
    const info = await (await fetch("/api/info")).json();
    expect(info.models.map((m: {name: string}) => m.name)).toEqual(["flagged", "plain"]);
    expect(info.models[0].defaults).toEqual({temperature: 0.8, top_p: 0.9, top_k: 40, min_p: 0, repetition_penalty: 1.1, max_new_tokens: 256, do_sample: true});
    expect(info.models[1].defaults).toEqual({temperature: 0, top_p: 1, top_k: 40, min_p: 0.05, repetition_penalty: 1, max_new_tokens: 256, do_sample: false});
  });

  it("says a server forced greedy (--do_sample=False) does not sample", async () => {
    const greedy = engineModel({engine: new FakeEngine({script: ["x"]}), name: "greedy", defaults: {temperature: 0.7, doSample: false}});
    const {fetch} = makeHarness({models: [greedy]});
    const info = await (await fetch("/api/info")).json();
    expect(info.models[0].defaults).toMatchObject({temperature: 0.7, do_sample: false, top_k: 40, min_p: 0.05});
  });

  it("reports the sampling the engine applies: top_k 40 and min_p 0.05 unless the server names them", async () => {
    const minP = engineModel({engine: new FakeEngine({script: ["x"]}), name: "min-p", defaults: {temperature: 0.7, minP: 0.1}});
    const noLimit = engineModel({engine: new FakeEngine({script: ["x"]}), name: "no-limit", defaults: {temperature: 0.7, topK: 0}});
    const {fetch} = makeHarness({models: [minP, noLimit]});
    const info = await (await fetch("/api/info")).json();
    expect(info.models[0].defaults).toMatchObject({top_k: 40, min_p: 0.1, do_sample: true});
    expect(info.models[1].defaults).toMatchObject({top_k: 0, min_p: 0, do_sample: true});
  });
});
