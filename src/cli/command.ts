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
  /**
   * Lets a command take the next Ctrl-C for one piece of work (a chat's running answer) instead of ending the
   * command: while `handler` is registered, Ctrl-C calls it once and unregisters it, so a second Ctrl-C aborts
   * `signal`. Returns the function that unregisters it. Absent where nothing can be interrupted piecewise.
   */
  readonly onInterrupt?: (handler: () => void) => () => void;
}

/** Routes Ctrl-C (`interrupt()`) to a registered one-shot handler, else to `fallback`; `onInterrupt` as in CommandIo. */
export function interruptRouter(fallback: () => void): {interrupt: () => void; onInterrupt: (handler: () => void) => () => void} {
  let claimed: (() => void) | undefined;
  return {
    interrupt() {
      const handler = claimed;
      claimed = undefined;
      (handler ?? fallback)();
    },
    onInterrupt(handler) {
      claimed = handler;
      return () => {
        if (claimed === handler) claimed = undefined;
      };
    }
  };
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
