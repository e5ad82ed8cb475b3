import type {FlagDefs, ParsedArgs} from "./args.js";

/** Where a command reads and writes. Tests pass in-memory streams; the binary passes the process's own. */
export interface CommandIo {
  readonly stdout: NodeJS.WritableStream & {isTTY?: boolean};
  readonly stderr: NodeJS.WritableStream & {isTTY?: boolean};
  readonly stdin: NodeJS.ReadableStream & {isTTY?: boolean};
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Aborted on Ctrl-C so long-running commands can save their work before exiting. */
  readonly signal: AbortSignal;
}

export interface Command<F extends FlagDefs = FlagDefs> {
  readonly name: string;
  readonly summary: string;
  /** Lines shown under "usage:" in --help. */
  readonly usage: readonly string[];
  readonly flags: F;
  /** Returns the exit code (0 when omitted). Throw an H2oGptError for a failure with its own exit code. */
  run(args: ParsedArgs<F>, io: CommandIo): Promise<number | void>;
}

/** Keeps the flag definitions' literal types so `args.flags` is typed per command. */
export function defineCommand<F extends FlagDefs>(command: Command<F>): Command<F> {
  return command;
}
