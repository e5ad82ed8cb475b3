import {mulberry32} from "../src/util/index.js";

/**
 * The synthetic corpus of bench/docqa: reports about invented places, deterministic for a seed. Each document is
 * a plain-text file of paragraphs of 380-500 characters (h2oGPT's chunker, 512 characters without overlap, keeps
 * each paragraph as one chunk, so the chunk count is known in advance). Words follow a Zipf law (s = 1) over ~60
 * English function words, ~300 common English words and a long tail of 20,000 invented ones, as real text does,
 * so the full-text index has both long posting lists (common words: the most common content word is in about
 * one chunk in six) and rare terms; each paragraph states one distinct fact (a place, an
 * organisation, a year, a quantity), which the questions ask about.
 */

/** English function words, the head of real text's Zipf curve (the index keeps them; questions drop them). */
const FUNCTION = (
  "the of and to a in is that for it was on with as he be at by this had not are but from or have an they which one " +
  "you were her all she there would their we him been has when who will more no if out so said what up its about into"
).split(" ");

const COMMON = (
  "time year people way day thing world life hand part child eye place work week case point government company " +
  "number group problem fact system program question school state family student country area money story month " +
  "water room mother book business issue side kind head house service friend father power hour game line end member " +
  "law car city community name team minute idea body information back parent face level office door health person " +
  "art war history party result change morning reason research moment air teacher force education report river " +
  "market harbor bridge road station council survey record cargo grain timber copper wool salt bread coal stone " +
  "rainfall winter summer harvest trade rail port ship crew village valley mountain coast island forest field " +
  "building library museum hospital factory mill well canal tower wall gate square street farm orchard vineyard " +
  "said made found used gave told called tried asked needed felt became left kept began seemed helped showed heard " +
  "played ran moved lived believed brought happened wrote provided sat stood lost paid met included continued set " +
  "learned changed led understood watched followed stopped created spoke read allowed added spent grew opened walked " +
  "offered remembered loved considered appeared bought waited served died sent expected built stayed fell reached " +
  "remained suggested raised passed sold required reported decided pulled recorded measured shipped repaired " +
  "new good first last long great little own other old right big high different small large next early young " +
  "important few public bad same able late hard major better economic strong possible whole free military true " +
  "federal international full special easy clear recent certain personal open red difficult available likely short " +
  "single medical current wrong private past foreign fine common poor natural significant similar hot dead central " +
  "happy serious ready simple left physical general environmental financial blue democratic dark various entire " +
  "northern southern eastern western annual regional municipal coastal quarterly"
).split(" ");

const SYLLABLES = (
  "ka ri to mel var os en dal thu bre gan il sor pe wyn ach lo mir tan quo ves ul dre fin har sal ob ce zan rou " +
  "bel kir na ost pri ven gul ta mor e lin dor"
).split(" ");

const ORGS = ["Harbor Authority", "Grain Board", "Water Council", "Rail Company", "Timber Guild", "Mining Office", "Weather Station", "Textile Union", "Port Commission", "Agricultural Society", "Bridge Trust", "Fisheries Board"];
const UNITS = ["tonnes", "barrels", "crates", "bales", "wagons", "sacks", "loads", "chests"];
const GOODS = ["cargo", "grain", "timber", "copper", "wool", "salt", "coal", "stone", "fish", "cloth", "flour", "iron"];
const VERBS = [
  ["recorded", "record"],
  ["shipped", "ship"],
  ["received", "receive"],
  ["stored", "store"],
  ["exported", "export"],
  ["counted", "count"]
] as const;
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

export interface CorpusDocument {
  readonly name: string;
  readonly text: string;
}

export interface Fact {
  readonly place: string;
  readonly org: string;
  readonly year: number;
  readonly month: string;
  readonly quantity: number;
  readonly unit: string;
  readonly goods: string;
  readonly verb: readonly [string, string];
}

/** Samples ranks 0..n-1 with probability ~ 1/(rank+1)^s (inverse CDF on a precomputed table). */
function zipf(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cdf[i] = total += 1 / Math.pow(i + 1, s);
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cdf[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}

const capitalize = (word: string): string => word[0]!.toUpperCase() + word.slice(1);

export class CorpusGenerator {
  private readonly random: () => number;
  private readonly vocabulary: string[];
  private readonly rank: () => number;
  private readonly usedPlaces = new Set<string>();

  constructor(seed: number) {
    this.random = mulberry32(seed);
    const invented = new Set<string>();
    const wordRandom = mulberry32(seed ^ 0x5bd1e995);
    while (invented.size < 20_000) {
      const parts = 2 + Math.floor(wordRandom() * 2);
      let word = "";
      for (let i = 0; i < parts; i++) word += SYLLABLES[Math.floor(wordRandom() * SYLLABLES.length)];
      if (word.length >= 5 && !COMMON.includes(word) && !FUNCTION.includes(word)) invented.add(word);
    }
    this.vocabulary = [...new Set([...FUNCTION, ...COMMON]), ...invented];
    this.rank = zipf(this.vocabulary.length, 1.0, this.random);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private word(): string {
    return this.vocabulary[this.rank()]!;
  }

  /** A place name unique in the corpus (two or three syllables, capitalised, with a suffix now and then). */
  private place(): string {
    for (;;) {
      const parts = 2 + Math.floor(this.random() * 2);
      let name = "";
      for (let i = 0; i < parts; i++) name += this.pick(SYLLABLES);
      name = capitalize(name) + (this.random() < 0.3 ? this.pick(["ford", "holm", "wick", "stead", "mouth"]) : "");
      if (!this.usedPlaces.has(name)) {
        this.usedPlaces.add(name);
        return name;
      }
    }
  }

  private sentence(): string {
    const length = 8 + Math.floor(this.random() * 12);
    const words: string[] = [];
    for (let i = 0; i < length; i++) {
      words.push(this.word());
    }
    return capitalize(words.join(" ")) + (this.random() < 0.1 ? "," : ".");
  }

  private fact(): {fact: Fact; text: string} {
    const fact: Fact = {
      place: this.place(),
      org: this.pick(ORGS),
      year: 1850 + Math.floor(this.random() * 170),
      month: this.pick(MONTHS),
      quantity: 100 + Math.floor(this.random() * 99_900),
      unit: this.pick(UNITS),
      goods: this.pick(GOODS),
      verb: this.pick(VERBS)
    };
    const text = `In ${fact.month} ${fact.year}, the ${fact.org} of ${fact.place} ${fact.verb[0]} ${fact.quantity.toLocaleString("en-US")} ${fact.unit} of ${fact.goods}.`;
    return {fact, text};
  }

  /** One paragraph of 380-500 characters: a fact among filler sentences. */
  private paragraph(): {fact: Fact; text: string} {
    const {fact, text: factText} = this.fact();
    const target = 380 + Math.floor(this.random() * 100);
    const sentences: string[] = [];
    let length = factText.length;
    const factAt = Math.floor(this.random() * 3);
    while (length < target) {
      const next = this.sentence();
      if (length + 1 + next.length > 500) break;
      sentences.push(next);
      length += 1 + next.length;
    }
    sentences.splice(Math.min(factAt, sentences.length), 0, factText);
    return {fact, text: sentences.join(" ")};
  }

  /** A document of `paragraphs` paragraphs (one chunk each), its facts, and a title line in the first paragraph. */
  document(index: number, paragraphs: number): {document: CorpusDocument; facts: Fact[]; chunks: string[]} {
    const facts: Fact[] = [];
    const chunks: string[] = [];
    for (let i = 0; i < paragraphs; i++) {
      const {fact, text} = this.paragraph();
      facts.push(fact);
      chunks.push(text);
    }
    return {document: {name: `report-${String(index).padStart(5, "0")}.txt`, text: chunks.join("\n\n") + "\n"}, facts, chunks};
  }
}

/** A natural question about a fact, in one of a few phrasings. */
export function questionAbout(fact: Fact, variant: number): string {
  switch (variant % 4) {
    case 0:
      return `How many ${fact.unit} of ${fact.goods} did the ${fact.org} of ${fact.place} ${fact.verb[1]} in ${fact.month} ${fact.year}?`;
    case 1:
      return `What did the ${fact.org} of ${fact.place} report about ${fact.goods} in ${fact.year}?`;
    case 2:
      return `When did the ${fact.org} of ${fact.place} ${fact.verb[1]} ${fact.goods}?`;
    default:
      return `Tell me about ${fact.goods} in ${fact.place}.`;
  }
}

/** A phrase lifted from a chunk: 6-12 consecutive words, as a user pasting a line they remember. */
export function phraseFrom(chunk: string, random: () => number): string {
  const words = chunk.split(/\s+/).filter((word) => word !== "");
  const length = Math.min(words.length, 6 + Math.floor(random() * 7));
  const start = Math.floor(random() * Math.max(1, words.length - length));
  return words.slice(start, start + length).join(" ");
}
