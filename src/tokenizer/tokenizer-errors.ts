import {UsageError} from "../errors/index.js";

/** `decode` was given an id the vocabulary does not have. */
export class UnknownTokenIdError extends UsageError {
  constructor(
    readonly tokenId: unknown,
    readonly vocabSize: number
  ) {
    super(`token id ${JSON.stringify(tokenId)} is not in the vocabulary (ids are integers from 0 to ${vocabSize - 1})`);
  }
}
