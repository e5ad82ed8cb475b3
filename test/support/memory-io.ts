import {PassThrough} from "node:stream";
import {interruptRouter, type CommandIo} from "../../src/cli/command.js";

export interface MemoryIoOptions {
  /** Defaults to the process's. */
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** Text on stdin, then its end; without it stdin stays open and empty. */
  readonly stdin?: string;
}

/**
 * A CommandIo for tests: stdout and stderr are collected, and `out()` / `err()` return what was written so far.
 * `interrupt()` is a Ctrl-C: it goes to an `onInterrupt` handler if one is registered, else aborts `signal`.
 */
export function memoryIo(options: MemoryIoOptions = {}): CommandIo & {out: () => string; err: () => string; interrupt: () => void} {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk) => (out += chunk));
  stderr.on("data", (chunk) => (err += chunk));
  const stdin = new PassThrough();
  if (options.stdin != null) stdin.end(options.stdin);
  const controller = new AbortController();
  const interrupts = interruptRouter(() => controller.abort(new Error("interrupted")));
  return {
    stdout,
    stderr,
    stdin,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    signal: options.signal == null ? controller.signal : AbortSignal.any([options.signal, controller.signal]),
    onInterrupt: interrupts.onInterrupt,
    interrupt: interrupts.interrupt,
    out: () => out,
    err: () => err
  };
}
