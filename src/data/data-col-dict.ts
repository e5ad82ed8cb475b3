import {UsageError} from "../errors/index.js";
import {parseDictLiteral} from "../util/index.js";

/** The fields prepare reads from a record; `--data_col_dict` may rename any column to one of these. */
export const RECORD_FIELDS = [
  "instruction",
  "input",
  "output",
  "context",
  "system_prompt",
  "prompt_type",
  "prompt_dict",
  "messages",
  "conversations",
  "text"
] as const;

export type RecordField = (typeof RECORD_FIELDS)[number];

/** For each field, the column it is read from (undefined: the record has no such column after renaming). */
export type FieldSources = Readonly<Record<RecordField, string | undefined>>;

/**
 * Reads `--data_col_dict` (a JSON object or h2oGPT's Python-dict spelling, `{'A': 'input', 'B': 'output'}`) and
 * returns where each field comes from. A renamed column replaces a column that already has the target name, and
 * a field whose own column was renamed away is empty, as after Hugging Face's `rename_columns`. A target that is
 * not a field prepare reads is an error, so a typo cannot silently empty a column.
 */
export function fieldSources(dataColDict: string | Readonly<Record<string, unknown>> | undefined): FieldSources {
  const dict = typeof dataColDict === "string" ? parseDictLiteral(dataColDict, "--data_col_dict") : (dataColDict ?? {});
  const renamedInto = new Map<string, string>();
  for (const [from, to] of Object.entries(dict)) {
    if (typeof to !== "string" || !(RECORD_FIELDS as readonly string[]).includes(to))
      throw new UsageError(
        `--data_col_dict: '${from}' maps to ${JSON.stringify(to)}, which is not a field prepare reads (${RECORD_FIELDS.join(", ")})`
      );
    if (renamedInto.has(to)) throw new UsageError(`--data_col_dict: both '${renamedInto.get(to)}' and '${from}' map to '${to}'`);
    renamedInto.set(to, from);
  }
  const sources = {} as Record<RecordField, string | undefined>;
  for (const field of RECORD_FIELDS) sources[field] = renamedInto.get(field) ?? (field in dict ? undefined : field);
  return sources;
}
