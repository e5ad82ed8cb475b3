import type {PromptRecord} from "./assemble-prompt.js";
import type {PromptTypeRow} from "./prompt-type-row.js";

/**
 * Fix: a record with an input but no instruction, for a type with an instruction marker and no (or an empty)
 * input marker, has its input put in the instruction's place. h2oGPT writes the bare input there, without the
 * human/user tag. Training strings and chat prompts (h2oGPT's iinput) share it.
 */
export function inputTakesInstructionPlace<T extends PromptRecord>(row: PromptTypeRow, record: T): T {
  if (record.instruction || !record.input || row.preInstruct == null || row.preInput) return record;
  return {...record, instruction: record.input, input: ""};
}
