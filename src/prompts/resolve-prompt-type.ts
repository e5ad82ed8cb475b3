import {UnknownPromptTypeError} from "./prompt-errors.js";
import {PROMPT_TYPES, PROMPT_TYPES_BY_NAME} from "./prompt-types.js";
import type {PromptTypeRow} from "./prompt-type-row.js";

const BY_NUMBER: ReadonlyMap<number, PromptTypeRow> = new Map(
  PROMPT_TYPES.filter((row) => !row.byNameOnly).map((row) => [row.value, row])
);

/**
 * A prompt type by name (`llama2`), number (29) or number as a string (`'29'`), as h2oGPT accepts them;
 * `simple_instruct` by name only. `''` is `unknown` (render with the model's chat template), as h2oGPT treats
 * an empty prompt_type when a template exists.
 */
export function resolvePromptType(value: string | number): PromptTypeRow {
  if (typeof value === "number") {
    const row = Number.isInteger(value) ? BY_NUMBER.get(value) : undefined;
    if (row == null) throw new UnknownPromptTypeError(value);
    return row;
  }
  if (typeof value !== "string") throw new UnknownPromptTypeError(value);
  if (value === "") return PROMPT_TYPES_BY_NAME.get("unknown")!;
  const byName = PROMPT_TYPES_BY_NAME.get(value);
  if (byName != null) return byName;
  const byNumber = /^-?\d+$/.test(value) ? BY_NUMBER.get(Number(value)) : undefined;
  if (byNumber == null) throw new UnknownPromptTypeError(value);
  return byNumber;
}
