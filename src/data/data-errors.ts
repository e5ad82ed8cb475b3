import {H2oGptError} from "../errors/index.js";
import type {DropReason} from "./drop-reasons.js";
import {formatSource, type SourceRef} from "./record-types.js";

/**
 * A record problem that ends the run: the first problem under `--strict`, or a record over `--cutoff_len` under
 * `--excess_length_strategy=raise`. Exit code 1; the message names file:line and the reason.
 */
export class RecordError extends H2oGptError {
  constructor(
    readonly reason: DropReason,
    readonly source: SourceRef,
    readonly detail: string
  ) {
    super(`${formatSource(source)}: ${reason}: ${detail}`);
  }
}

/** A record over `--cutoff_len` under `--excess_length_strategy=raise`; carries the numbers. */
export class ExcessLengthError extends RecordError {
  constructor(
    source: SourceRef,
    readonly nTokens: number,
    readonly cutoffLen: number
  ) {
    super("too_long", source, `${nTokens} tokens is more than --cutoff_len ${cutoffLen} (--excess_length_strategy=raise)`);
  }
}
