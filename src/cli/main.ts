import {DEFAULT_MODEL_NOTICE} from "../engine/index.js";
import {H2oGptError} from "../errors/index.js";
import {formatFlagHelp, parseArgs} from "./args.js";
import {interruptRouter, type Command, type CommandIo} from "./command.js";
import {commandLoaders} from "./commands.js";

/**
 * The process's own streams. Ctrl-C goes to a handler a command registered with `io.onInterrupt` (a chat stops the
 * answer being written), else aborts `io.signal` for commands that read it (they save their work and return);
 * a command that never looked at the signal, or a second Ctrl-C, exits at once with 130. The listener stays
 * registered (`on`, not `once`): a dependency's signal-exit handler re-raises SIGINT when it finds itself the only
 * listener left, which would kill the process before the command could save anything.
 */
function defaultIo(): CommandIo {
  const controller = new AbortController();
  let signalRead = false;
  const interrupts = interruptRouter(() => {
    if (!signalRead || controller.signal.aborted) process.exit(130);
    controller.abort(new Error("interrupted"));
  });
  process.on("SIGINT", interrupts.interrupt);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    get signal() {
      signalRead = true;
      return controller.signal;
    },
    onInterrupt: interrupts.onInterrupt
  };
}

async function topLevelHelp(): Promise<string> {
  const commands = await Promise.all(Object.values(commandLoaders).map((load) => load()));
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    "h2ogpt: h2oGPT in TypeScript (prompt types, data preparation, fine-tuning, generation, serving)",
    "",
    "usage: h2ogpt <command> [--flag=value ...]",
    "",
    "commands:",
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    "",
    "Run `h2ogpt <command> --help` for a command's flags.",
    "",
    `Without --base_model or --inference_server, generate and serve use the built-in model. ${DEFAULT_MODEL_NOTICE}`
  ].join("\n");
}

function commandHelp(command: Command): string {
  return [
    `h2ogpt ${command.name}: ${command.summary}`,
    "",
    "usage:",
    ...command.usage.map((line) => `  ${line}`),
    "",
    "flags:",
    formatFlagHelp(command.flags)
  ].join("\n");
}

function errorLine(error: unknown, env: NodeJS.ProcessEnv): string {
  if (env.H2OGPT_DEBUG && error instanceof Error && error.stack) return error.stack;
  if (error instanceof Error) return error.message.split("\n")[0]!;
  return String(error);
}

/** Runs one command line and returns its exit code. Never throws: every failure becomes one line on stderr. */
export async function main(argv: readonly string[], io: CommandIo = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name == null || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write((await topLevelHelp()) + "\n");
    return name == null ? 2 : 0;
  }
  if (name === "--version") {
    io.stdout.write("h2ogpt-ts 0.1.0\n");
    return 0;
  }
  const load = commandLoaders[name];
  if (load == null) {
    io.stderr.write(`h2ogpt: unknown command '${name}' (see h2ogpt --help)\n`);
    return 2;
  }
  try {
    const command = await load();
    const args = parseArgs(rest, command.flags);
    if (args.help) {
      io.stdout.write(commandHelp(command) + "\n");
      return 0;
    }
    return (await command.run(args, io)) ?? 0;
  } catch (error) {
    io.stderr.write(`h2ogpt ${name}: ${errorLine(error, io.env)}\n`);
    return error instanceof H2oGptError ? error.exitCode : 1;
  }
}
