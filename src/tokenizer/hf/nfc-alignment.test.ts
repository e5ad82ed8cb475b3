import {describe, expect, it} from "vitest";
import {nfcAligned, originalEnd, originalStart} from "./nfc-alignment.js";

describe("nfcAligned", () => {
  it("returns text NFC leaves alone as is, with no edits", () => {
    expect(nfcAligned("plain ASCII")).toEqual({text: "plain ASCII"});
    expect(nfcAligned("café 中文 😀")).toEqual({text: "café 中文 😀"});
  });

  it("records each changed stretch and maps normalized units back to the input", () => {
    const input = "cafe\u0301 \u2126hm x\u0323\u0307y";
    const {text, edits} = nfcAligned(input);
    expect(text).toBe(input.normalize("NFC"));
    expect(edits).toEqual([
      {normStart: 3, normEnd: 4, origStart: 3, origEnd: 5},
      {normStart: 5, normEnd: 6, origStart: 6, origEnd: 7},
      {normStart: 9, normEnd: 11, origStart: 10, origEnd: 13}
    ]);
    const spans = [...text].map((_, unit) => [originalStart(edits!, unit), originalEnd(edits!, unit)]);
    expect(spans).toEqual([[0, 1], [1, 2], [2, 3], [3, 5], [5, 6], [6, 7], [7, 8], [8, 9], [9, 10], [10, 13], [10, 13], [13, 14]]);
  });
});
