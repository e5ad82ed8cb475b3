/**
 * Typed errors shared by every stage. A command maps an error to its exit code and prints its message as one
 * line; library users can `instanceof`-check and read the numbers the error carries.
 */

export class H2oGptError extends Error {
  /** Exit code the CLI uses when this error ends a command. */
  readonly exitCode: number = 1;

  constructor(message: string, options?: {cause?: unknown}) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flags, an unknown prompt type, malformed JSON in an argument, a missing or unreadable file. Exit code 2. */
export class UsageError extends H2oGptError {
  override readonly exitCode: number = 2;
}

/** A file that cannot be read, or whose content is not what it claims to be (a corrupt GGUF, a bad tokenizer.json). */
export class InputFileError extends UsageError {
  constructor(readonly path: string, reason: string, options?: {cause?: unknown}) {
    super(`${path}: ${reason}`, options);
  }
}

/** A prompt that leaves no room for a single new token. Exit code 3. */
export class ContextOverflowError extends H2oGptError {
  override readonly exitCode: number = 3;

  constructor(
    readonly nPromptTokens: number,
    readonly nCtx: number,
    detail?: string
  ) {
    super(
      `prompt has ${nPromptTokens} tokens but the context holds ${nCtx}` + (detail == null ? "" : `: ${detail}`)
    );
  }
}

/** A feature the chosen engine cannot do (beam search on llama.cpp, embeddings on a model without them). */
export class NotSupportedError extends H2oGptError {
  override readonly exitCode: number = 2;
}
