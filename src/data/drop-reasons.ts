/**
 * Why a record was not written. Every record that is read ends up either written or counted under exactly one
 * of these reasons (with its file:line), so nothing is lost silently.
 */
export const DROP_REASONS = {
  unreadable_file: "the file could not be read or decoded as its format",
  malformed_json: "not valid JSON",
  malformed_csv: "not a valid CSV row",
  invalid_utf8: "bytes that are not valid UTF-8",
  record_too_large: "a single record larger than the per-record byte limit",
  not_an_object: "a JSON value that is not an object",
  wrong_field_type: "a field of the wrong type",
  empty_record: "no instruction, input, output, text or messages",
  unknown_prompt_type: "a prompt_type that does not exist",
  bad_prompt_dict: "a prompt_dict that cannot be read",
  bad_conversation: "messages/conversations that are not a usable conversation",
  render_failed: "the prompt type or chat template cannot render the record",
  too_long: "more tokens than --cutoff_len (with --excess_length_strategy=drop)",
  no_trained_tokens: "no token left to train on (empty answer, or the prompt fills --cutoff_len)"
} as const satisfies Readonly<Record<string, string>>;

export type DropReason = keyof typeof DROP_REASONS;
