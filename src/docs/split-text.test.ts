import {RecursiveCharacterTextSplitter} from "@langchain/textsplitters";
import {describe, expect, it} from "vitest";
import {mulberry32} from "../util/index.js";
import {splitText} from "./split-text.js";

const WORDS = ["alpha", "beta", "gamma", "delta", "x", "longerwordwithoutbreaks", "数据", "é", "🙂", "\t"];
const BREAKS = [" ", " ", " ", "\n", "\n\n", "\n\n\n", "  ", " \n "];

function randomText(random: () => number, words: number): string {
  let text = "";
  for (let i = 0; i < words; i++) {
    text += WORDS[Math.floor(random() * WORDS.length)]!.repeat(1 + Math.floor(random() * (random() < 0.05 ? 80 : 2)));
    text += BREAKS[Math.floor(random() * BREAKS.length)];
  }
  return text;
}

describe("splitText", () => {
  it("gives LangChain's RecursiveCharacterTextSplitter chunks exactly, with offsets into the text", async () => {
    const random = mulberry32(7);
    for (let round = 0; round < 300; round++) {
      const text = randomText(random, 5 + Math.floor(random() * 300));
      const chunkSize = [16, 50, 128, 512][round % 4]!;
      const chunkOverlap = round % 3 === 0 ? Math.floor(chunkSize / 4) : 0;
      const peer = new RecursiveCharacterTextSplitter({chunkSize, chunkOverlap});
      const expected = await peer.splitText(text);
      const chunks = splitText({text, chunkSize, chunkOverlap});
      expect(chunks.map((chunk) => chunk.text)).toEqual(expected);
      for (const chunk of chunks) expect(text.slice(chunk.start, chunk.end)).toBe(chunk.text);
    }
  });

  it("uses h2oGPT's defaults: 512 characters, no overlap, paragraphs first", () => {
    const paragraph = "word ".repeat(80).trim();
    const text = [paragraph, paragraph, paragraph].join("\n\n");
    const chunks = splitText({text});
    expect(chunks.map((chunk) => chunk.text)).toEqual([paragraph, paragraph, paragraph]);
    expect(chunks.map((chunk) => chunk.start)).toEqual([0, 401, 802]);
  });

  it("measures with a given length function (token-sized chunks)", () => {
    const text = "a b c d e f g h";
    const chunks = splitText({text, chunkSize: 3, lengthOf: (piece) => piece.trim().split(/\s+/).filter(Boolean).length});
    expect(chunks.map((chunk) => chunk.text)).toEqual(["a b c", "d e f", "g h"]);
  });

  it("returns nothing for empty or blank text and refuses a bad size", () => {
    expect(splitText({text: ""})).toEqual([]);
    expect(splitText({text: " \n\n \t"})).toEqual([]);
    expect(() => splitText({text: "x", chunkSize: 0})).toThrow(RangeError);
    expect(() => splitText({text: "x", chunkSize: 10, chunkOverlap: 10})).toThrow(RangeError);
  });
});
