import {spawn, type ChildProcess} from "node:child_process";
import {projectRoot} from "../support/shared.js";

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything it wrote to stderr so far. */
  readonly err: () => string;
}

/**
 * `h2ogpt serve ARGS` as a separate process (`node --import tsx test/server/run-cli.ts serve ARGS`), resolved once
 * it prints its address (and, with `readyErr`, once its stderr matches too: a separate pipe, so either may come
 * first); rejects with its stderr when it exits before. `children` gets the process as soon as it starts, so a
 * test file's afterAll can end whatever a failed test left running.
 */
export async function spawnServe(args: readonly string[], options: {children?: ChildProcess[]; readyErr?: RegExp} = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/server/run-cli.ts", "serve", ...args], {cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"]});
  options.children?.push(child);
  let err = "";
  child.stderr!.on("data", (chunk) => (err += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const check = (): void => {
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match != null && (options.readyErr == null || options.readyErr.test(err))) resolve(match[1]!);
    };
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      check();
    });
    if (options.readyErr != null) child.stderr!.on("data", check);
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
  return {child, url, err: () => err};
}

/** Ends a serve process with SIGTERM (its clean shutdown) and waits for it to exit; nothing if it has already. */
export async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode != null || child.signalCode != null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}
