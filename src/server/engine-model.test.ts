import {describe, expect, it} from "vitest";
import {FakeEngine} from "../../test/generate/fake-engine.js";
import {engineModel} from "./engine-model.js";

describe("engineModel (a served model over the generate stage)", () => {
  it("passes h2oGPT's iinput and context through to the prompt", async () => {
    const engine = new FakeEngine({script: [" Fine."]});
    const model = engineModel({engine, promptType: "human_bot"});
    const request = {input: {history: [["Hi", "Hello!"]] as const, instruction: "How are you?", iinput: "Be brief.", context: "CTX\n"}, params: {}};
    const outcome = await model.chat(request, new AbortController().signal).result;
    expect(outcome.promptRaw).toBe("CTX\n<human>: Hi\n<bot>: Hello!\n<human>: How are you?\nBe brief.\n<bot>:");
    expect(outcome.response).toBe("Fine.");
  });
});
