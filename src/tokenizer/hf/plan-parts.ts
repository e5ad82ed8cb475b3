import type {BpeVocabulary} from "./bpe-vocabulary.js";
import type {ComponentJson, TokenizerJson} from "./tokenizer-json.js";

/** Helpers shared by the fast paths' plans: reading tokenizer.json components and the post-processor. */

/** What both fast paths' plans hold besides their own settings. */
export interface BpePlan extends BpeVocabulary {
  /** What the post-processor puts before and after a single sequence when special tokens are added. */
  readonly prefixIds: readonly number[];
  readonly suffixIds: readonly number[];
}

export const describe = (component: ComponentJson) => JSON.stringify(component).slice(0, 120);

/** A component's parts: the list of a Sequence, or the component itself. */
export function components(component: ComponentJson, listKey: string): readonly ComponentJson[] {
  return component.type === "Sequence" ? ((component[listKey] as ComponentJson[] | undefined) ?? []) : [component];
}

export type SpecialIdLookup = (content: string) => readonly number[] | undefined;

/** Ids a post-processor adds around one sequence, or a reason it is not understood. */
export function planPostProcessor(post: ComponentJson | null | undefined, lookup: SpecialIdLookup): {prefix: number[]; suffix: number[]} | string {
  const prefix: number[] = [];
  const suffix: number[] = [];
  for (const part of post == null ? [] : components(post, "processors")) {
    if (part.type === "ByteLevel") continue;
    if (part.type === "RobertaProcessing" || part.type === "BertProcessing") {
      const cls = part.cls as [string, number];
      const sep = part.sep as [string, number];
      prefix.push(cls[1]);
      suffix.push(sep[1]);
      continue;
    }
    if (part.type !== "TemplateProcessing") return `post-processor ${describe(part)}`;
    const single = part.single as ({SpecialToken?: {id: string}; Sequence?: {id: string}})[];
    const specials = (part.special_tokens ?? {}) as Record<string, {ids: number[]}>;
    const sequenceAt = single.findIndex((piece) => piece.Sequence !== undefined);
    if (sequenceAt < 0) return "TemplateProcessing without the sequence $A";
    for (const [index, piece] of single.entries()) {
      if (piece.Sequence !== undefined) continue;
      const name = piece.SpecialToken?.id ?? "";
      const ids = specials[name]?.ids ?? lookup(name);
      if (ids === undefined) return `TemplateProcessing names unknown special token ${JSON.stringify(name)}`;
      (index < sequenceAt ? prefix : suffix).push(...ids);
    }
  }
  return {prefix, suffix};
}

/** The post-processor's ids, looking names up among the added tokens, then the model's vocabulary. */
export function planPostProcessorFor(json: TokenizerJson, tokenId: (token: string) => number | undefined): {prefix: number[]; suffix: number[]} | string {
  const added = new Map((json.added_tokens ?? []).map((token) => [token.content, token.id]));
  return planPostProcessor(json.post_processor, (content) => {
    const id = added.get(content) ?? tokenId(content);
    return id === undefined ? undefined : [id];
  });
}
