import {describe, expect, it} from "vitest";
import {extractResponse} from "./index.js";

describe("extractResponse options", () => {
  it("stops on extra strings such as a tokenizer's eos", () => {
    expect(extractResponse({promptType: "plain", outputs: "Blue.<|eot_id|>junk", newText: true})).toBe("Blue.<|eot_id|>junk");
    expect(extractResponse({promptType: "plain", outputs: "Blue.<|eot_id|>junk", newText: true, stop: ["<|eot_id|>"]})).toBe("Blue.");
  });

  it("drops repeated lines of 10 or more characters when asked (h2oGPT's repeat_penalty)", () => {
    const text = "A long line here\nok\nok\nA long line here\nend";
    expect(extractResponse({promptType: "plain", outputs: text, newText: true, removeRepeatedLines: true})).toBe("A long line here\nok\nok\nend");
  });

  it("cuts at the earliest terminate string, where h2oGPT takes the first in its list", () => {
    // human_bot's list starts with '\n<human>:'; '<bot>:' comes first in this text.
    expect(extractResponse({promptType: "human_bot", outputs: " Sure.<bot>: more\n<human>: next", newText: true})).toBe("Sure.");
  });

  it("numbers several outputs as h2oGPT shows them", () => {
    expect(extractResponse({promptType: "plain", outputs: ["one", "two"], newText: true})).toBe(
      "\n=========== Output 1\n\none\n\n=========== Output 2\n\ntwo\n"
    );
  });
});
