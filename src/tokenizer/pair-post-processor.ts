import {InputFileError} from "../errors/index.js";

/**
 * What a tokenizer.json's `post_processor` adds around one sequence or a pair, as HF's Rust `tokenizers` does it:
 * TemplateProcessing (BERT, DeBERTa-v3, llama-3), BertProcessing, RobertaProcessing, ByteLevel (adds nothing),
 * a Sequence of these, or none (the two sequences joined, type ids 0 then 1).
 */
export interface PairPostProcessor {
  /** How many ids the processor adds to one sequence (`pair` false) or a pair. */
  addedTokens(pair: boolean): number;
  /** The final ids and token type ids for `first` (+ `second`), already truncated. */
  apply(first: readonly number[], second: readonly number[] | undefined): {ids: number[]; typeIds: number[]};
}

interface Encoded {
  ids: number[];
  typeIds: number[];
}

type Piece = {readonly special: readonly number[]; readonly typeId: number} | {readonly sequence: "A" | "B"; readonly typeId: number};

/** One processor: a pair in, the pair out (ByteLevel) or merged into one sequence (the templates). */
type Step = (first: Encoded, second: Encoded | undefined) => {a: Encoded; b: Encoded | undefined};

interface StepSpec {
  readonly added: (pair: boolean) => number;
  readonly step: Step;
  /**
   * A template's pieces, when the processor is a TemplateProcessing: then the whole pipeline is the template
   * filled in straight from the ids (no copies per step).
   */
  readonly template?: {readonly single: readonly Piece[]; readonly pair?: readonly Piece[]};
}

function joined(first: Encoded, second: Encoded | undefined): Encoded {
  return second === undefined ? first : {ids: [...first.ids, ...second.ids], typeIds: [...first.typeIds, ...second.typeIds]};
}

function idOfField(value: unknown, path: string, field: string): number {
  if (Array.isArray(value) && typeof value[0] === "string" && Number.isInteger(value[1])) return value[1] as number;
  throw new InputFileError(path, `post_processor.${field} must be [token, id]`);
}

function templatePieces(template: unknown, specials: Record<string, {ids?: unknown}>, path: string, field: string): Piece[] {
  if (!Array.isArray(template)) throw new InputFileError(path, `post_processor.${field} must be a list`);
  return template.map((item: Record<string, {id?: unknown; type_id?: unknown}>, index) => {
    const where = `post_processor.${field}[${index}]`;
    const typeId = (body: {type_id?: unknown}) => (Number.isInteger(body.type_id) ? (body.type_id as number) : 0);
    if (item?.Sequence !== undefined) {
      const id = item.Sequence.id;
      if (id !== "A" && id !== "B") throw new InputFileError(path, `${where}.Sequence.id must be "A" or "B"`);
      return {sequence: id, typeId: typeId(item.Sequence)};
    }
    if (item?.SpecialToken !== undefined) {
      const name = item.SpecialToken.id;
      const ids = typeof name === "string" ? specials[name]?.ids : undefined;
      if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id))) {
        throw new InputFileError(path, `${where}: special token ${JSON.stringify(name)} is not in post_processor.special_tokens`);
      }
      return {special: ids as number[], typeId: typeId(item.SpecialToken)};
    }
    throw new InputFileError(path, `${where} must be {Sequence} or {SpecialToken}`);
  });
}

function templateStep(component: Record<string, unknown>, path: string): StepSpec {
  const specials = (component.special_tokens ?? {}) as Record<string, {ids?: unknown}>;
  const single = templatePieces(component.single, specials, path, "single");
  const pair = component.pair == null ? undefined : templatePieces(component.pair, specials, path, "pair");
  const count = (pieces: Piece[]) => pieces.reduce((sum, piece) => sum + ("special" in piece ? piece.special.length : 0), 0);
  return {
    added: (isPair) => count(isPair ? (pair ?? single) : single),
    template: {single, pair},
    step: (first, second) => {
      const pieces = second === undefined ? single : pair;
      return {a: pieces === undefined ? joined(first, second) : composed(pieces, first.ids, second?.ids), b: undefined};
    }
  };
}

/** A template's pieces filled in: its special tokens and the two sequences, each id with its piece's type id. */
function composed(pieces: readonly Piece[], first: readonly number[], second: readonly number[] | undefined): Encoded {
  const ids: number[] = [];
  const typeIds: number[] = [];
  for (const piece of pieces) {
    const source = "special" in piece ? piece.special : piece.sequence === "A" ? first : (second ?? []);
    for (let k = 0; k < source.length; k++) {
      ids.push(source[k]!);
      typeIds.push(piece.typeId);
    }
  }
  return {ids, typeIds};
}

function wrapStep(cls: number, sep: number, secondStart: readonly number[], secondType: 0 | 1): StepSpec {
  return {
    added: (pair) => (pair ? 2 + 1 + secondStart.length : 2),
    step: (first, second) => {
      const ids = [cls, ...first.ids, sep];
      const typeIds = ids.map(() => 0);
      if (second === undefined) return {a: {ids, typeIds}, b: undefined};
      const tail = [...secondStart, ...second.ids, sep];
      return {a: {ids: [...ids, ...tail], typeIds: [...typeIds, ...tail.map(() => secondType)]}, b: undefined};
    }
  };
}

function stepOf(component: Record<string, unknown> | null | undefined, path: string): StepSpec {
  const unchanged: Step = (a, b) => ({a, b});
  if (component == null) return {added: () => 0, step: unchanged};
  switch (component.type) {
    case "TemplateProcessing":
      return templateStep(component, path);
    case "BertProcessing": {
      const sep = idOfField(component.sep, path, "sep");
      return wrapStep(idOfField(component.cls, path, "cls"), sep, [], 1);
    }
    case "RobertaProcessing": {
      const sep = idOfField(component.sep, path, "sep");
      return wrapStep(idOfField(component.cls, path, "cls"), sep, [sep], 0);
    }
    case "ByteLevel":
      return {added: () => 0, step: unchanged};
    case "Sequence": {
      const steps = ((component.processors ?? []) as Record<string, unknown>[]).map((inner) => stepOf(inner, path));
      return {
        added: (pair) => steps.reduce((sum, inner) => sum + inner.added(pair), 0),
        step: (first, second) => steps.reduce((acc, inner) => inner.step(acc.a, acc.b), {a: first, b: second})
      };
    }
    default:
      throw new InputFileError(path, `post_processor type ${JSON.stringify(component.type)} is not supported for pair encoding`);
  }
}

/**
 * The post-processor a tokenizer.json declares (`component` is its `post_processor` field).
 *
 * @example
 * pairPostProcessor({type: "BertProcessing", sep: ["[SEP]", 102], cls: ["[CLS]", 101]}, "tokenizer.json").apply([7], [8]);
 * // {ids: [101, 7, 102, 8, 102], typeIds: [0, 0, 0, 1, 1]}
 */
export function pairPostProcessor(component: Record<string, unknown> | null | undefined, path: string): PairPostProcessor {
  return new StepPostProcessor(stepOf(component, path));
}

/**
 * A class rather than closures over the step, so that every loaded tokenizer calls the same functions: closures
 * made per load were new call targets for the encoding code V8 had optimized, which then started over (bench/score.ts
 * loads a model per run).
 */
class StepPostProcessor implements PairPostProcessor {
  private readonly addedSingle: number;
  private readonly addedPair: number;

  constructor(private readonly spec: StepSpec) {
    this.addedSingle = spec.added(false);
    this.addedPair = spec.added(true);
  }

  addedTokens(pair: boolean): number {
    return pair ? this.addedPair : this.addedSingle;
  }

  apply(first: readonly number[], second: readonly number[] | undefined): Encoded {
    const pieces = second === undefined ? this.spec.template?.single : this.spec.template?.pair;
    if (pieces !== undefined) return composed(pieces, first, second);
    const {a, b} = this.spec.step({ids: [...first], typeIds: first.map(() => 0)}, second === undefined ? undefined : {ids: [...second], typeIds: second.map(() => 1)});
    return joined(a, b);
  }
}
