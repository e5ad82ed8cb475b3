import {once} from "node:events";
import {createWriteStream} from "node:fs";
import {rename} from "node:fs/promises";
import {mulberry32} from "../src/util/index.js";

/**
 * Deterministic synthetic instruction records for bench/prepare.ts: English-like text drawn from a Zipf
 * distribution over common words plus generated rare words (so BPE sees both cached and unseen words), about
 * 500 bytes per record. Same seed, same bytes on every machine.
 */

const COMMON = (
  "the of and to a in is that for it as was with be by on not he this are or his from at which but have an they " +
  "you were her one all we can there has been if more when will would who so no other into its time only could new " +
  "them man some these then two first may any like now my such make over our even most me state after also made many " +
  "did must before back see through way where get much go well your know should down work year because come people " +
  "just say each those take day good how long same use find here thing give many great help small every world model " +
  "data training answer question language system value number result method error file line token prompt memory " +
  "process function output input example support different between important following however several general " +
  "information possible large often provide include point problem public group case part place number school water " +
  "history during without again around along while example between course develop consider report program change"
).split(" ");

const SYLLABLES = ["ka", "tor", "ri", "men", "sal", "lo", "vex", "qua", "tion", "ing", "er", "pre", "con", "st", "ab", "ul", "ex", "im", "or", "an", "de", "re", "ly", "ph", "ch", "ou", "ea", "th", "gr", "ble"];

export function syntheticRecords(seed = 1234): () => {instruction: string; input: string; output: string} {
  const random = mulberry32(seed);
  const rare = Array.from({length: 20_000}, () => {
    let word = "";
    for (let k = 1 + Math.floor(random() * 4); k > 0; k--) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    return word;
  });
  const cdf: number[] = [];
  let sum = 0;
  for (let i = 0; i < COMMON.length; i++) cdf.push((sum += 1 / (i + 1)));
  const pickCommon = () => {
    const u = random() * sum;
    let low = 0;
    let high = cdf.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cdf[mid]! < u) low = mid + 1;
      else high = mid;
    }
    return COMMON[low]!;
  };
  const word = () => (random() < 0.08 ? rare[Math.floor(random() ** 2 * rare.length)]! : random() < 0.02 ? String(Math.floor(random() * 10_000)) : pickCommon());
  const sentence = (min: number, max: number, end: string) => {
    const words = Array.from({length: min + Math.floor(random() * (max - min))}, word);
    const text = words.join(random() < 0.1 ? ", " : " ");
    return text[0]!.toUpperCase() + text.slice(1) + end;
  };
  const paragraph = (sentences: number) => Array.from({length: sentences}, () => sentence(6, 22, random() < 0.1 ? "!" : ".")).join(" ");
  return () => ({
    instruction: sentence(6, 20, "?"),
    input: random() < 0.3 ? paragraph(1 + Math.floor(random() * 3)) : "",
    output: paragraph(3 + Math.floor(random() * 5)) + (random() < 0.3 ? "\n\n" + paragraph(1 + Math.floor(random() * 2)) : "")
  });
}

/** Writes `count` records as JSON Lines to `path` (atomically) and returns the bytes written. */
export async function writeSyntheticJsonl(path: string, count: number, seed = 1234): Promise<number> {
  const next = syntheticRecords(seed);
  const temporary = `${path}.tmp`;
  const out = createWriteStream(temporary);
  let bytes = 0;
  let chunk = "";
  for (let i = 0; i < count; i++) {
    chunk += JSON.stringify(next()) + "\n";
    if (chunk.length > 1 << 20 || i === count - 1) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, "drain");
      chunk = "";
    }
  }
  out.end();
  await once(out, "close");
  await rename(temporary, path);
  return bytes;
}
