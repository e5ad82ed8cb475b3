/**
 * Offline, proven: every command runs in a network namespace that has only loopback (`unshare -n`), under strace
 * recording each connect(), sendto() and sendmsg() with an address, of the command and of every process it starts.
 * Anything but a Unix socket or loopback is an attempt to reach the network, and fails the test; so does a name
 * lookup (port 53), even to a loopback resolver, since it means something wanted a remote host, and a netlink
 * request (today only a name lookup's address check sends one).
 */
import {spawn, spawnSync} from "node:child_process";
import {mkdir, mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {pathToFileURL} from "node:url";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {writeRandomLlamaGguf} from "../src/gguf/index.js";
import {neoxTokenizerPath, projectRoot} from "./support/shared.js";

/** Why the test cannot run here, or undefined. */
function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "not root: unshare -n needs CAP_SYS_ADMIN (CI runs as root)";
  for (const tool of ["unshare", "strace", "ip"])
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not installed (apt-get install -y ${tool === "ip" ? "iproute2" : tool === "unshare" ? "util-linux" : tool})`;
  const probe = spawnSync("unshare", ["-n", "sh", "-c", "ip link set lo up"], {encoding: "utf8"});
  if (probe.status !== 0) return `unshare -n fails here: ${probe.stderr.trim()}`;
  return undefined;
}

const reason = unavailable();
if (reason != null) console.warn(`skipping the offline test: ${reason}`);

const tsx = pathToFileURL(join(projectRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;
const runCli = join(projectRoot, "test", "server", "run-cli.ts");

interface OfflineRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** strace's lines that carry a socket address. */
  readonly addressed: string[];
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "h2ogpt-offline-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

/** Runs `node --import tsx SCRIPT ARGS` in a namespace with only `lo` (brought up), under strace. */
async function runOffline(name: string, script: string, args: readonly string[]): Promise<OfflineRun> {
  const trace = join(dir, `${name}.strace`);
  const strace = ["strace", "-f", "-qq", "--seccomp-bpf", "-e", "signal=none", "-e", "trace=connect,sendto,sendmsg", "-o", trace];
  const child = spawn("unshare", ["-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", ...strace, process.execPath, "--import", tsx, script, ...args], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"]
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("close", (status) => resolve(status)));
  const addressed = (await readFile(trace, "utf8")).split("\n").filter((line) => line.includes("sa_family="));
  return {code, stdout, stderr, addressed};
}

/** Each address in strace's line that is neither a Unix socket nor loopback, or a name lookup. */
function remoteAddresses(line: string): string[] {
  const remote: string[] = [];
  for (const match of line.matchAll(/\{sa_family=(AF_\w+)((?:[^{}]|\{[^{}]*\})*)\}/g)) {
    const [whole, family, fields] = match as unknown as [string, string, string];
    if (family === "AF_UNIX") continue;
    const port = /htons\((\d+)\)/.exec(fields)?.[1];
    const ipv4 = /inet_addr\("([^"]+)"\)/.exec(fields)?.[1];
    const ipv6 = /inet_pton\(AF_INET6, "([^"]+)"/.exec(fields)?.[1];
    const loopback =
      (family === "AF_INET" && ipv4 != null && ipv4.startsWith("127.")) ||
      (family === "AF_INET6" && ipv6 != null && (ipv6 === "::1" || ipv6.startsWith("::ffff:127.")));
    if (!loopback || port === "53") remote.push(whole);
  }
  return remote;
}

function expectOffline(run: OfflineRun): void {
  expect(run.code, run.stderr).toBe(0);
  expect(run.addressed.filter((line) => remoteAddresses(line).length > 0)).toEqual([]);
}

describe("remoteAddresses (strace's notation)", () => {
  it("passes Unix sockets and loopback, and flags everything else and name lookups", () => {
    const lines = {
      unix: '12 connect(19, {sa_family=AF_UNIX, sun_path="/tmp/tsx-0/1.pipe"}, 110) = -1 ENOENT (No such file or directory)',
      loopback: '12 connect(30, {sa_family=AF_INET, sin_port=htons(46373), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS',
      loopback6: '12 connect(30, {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0',
      remote: '12 connect(30, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("140.82.112.3")}, 16) = -1 ENETUNREACH',
      remote6: '12 connect(30, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2606:4700::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 ENETUNREACH',
      lookup: '12 sendmsg(31, {msg_name={sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, msg_namelen=16, msg_iov=[]}, 0) = -1',
      netlink: "12 sendto(3, [{nlmsg_len=20}], 20, 0, {sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, 12) = 20"
    };
    const flagged = Object.fromEntries(Object.entries(lines).map(([name, line]) => [name, remoteAddresses(line).length > 0]));
    expect(flagged).toEqual({unix: false, loopback: false, loopback6: false, remote: true, remote6: true, lookup: true, netlink: true});
  });
});

describe.skipIf(reason != null)("every command works with no network and tries to reach none", () => {
  it("(the control) sees an attempt to reach the network, from a child process too", async () => {
    const script = join(dir, "phone-home.mjs");
    // 192.0.2.1 is reserved for documentation: never a real host.
    await writeFile(script, 'import {execFileSync} from "node:child_process";\nexecFileSync(process.execPath, ["-e", "fetch(\'http://192.0.2.1/\').catch(() => {})"]);\n');
    const run = await runOffline("control", script, []);
    expect(run.code, run.stderr).toBe(0);
    expect(run.addressed.flatMap(remoteAddresses)).toEqual(['{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("192.0.2.1")}']);
  });

  it("serve: a chat through the OpenAI and h2oGPT APIs, and the web UI's page with what it loads", async () => {
    const run = await runOffline("serve", join(projectRoot, "test", "offline", "serve-and-ask.ts"), ["--history_db=history.db", "--persist_directory=serve_db"]);
    expectOffline(run);
    // The requests themselves went over loopback: strace saw them, so it was recording.
    expect(run.addressed.some((line) => line.includes('inet_addr("127.0.0.1")'))).toBe(true);
  });

  it("generate with the built-in model, and ingest then generate from the collection", async () => {
    expectOffline(await runOffline("generate", runCli, ["generate", "--instruction=Who are you?", "--max_new_tokens=8"]));
    const docs = join(dir, "docs");
    await mkdir(docs, {recursive: true});
    await writeFile(join(docs, "leave.md"), "# Leave\n\nFull-time staff receive 25 days of paid leave a year.\n");
    await writeFile(join(docs, "parking.txt"), "Parking passes are renewed every January at the front desk.\n");
    expectOffline(await runOffline("ingest", runCli, ["ingest", "--langchain_mode=UserData", "--persist_directory=docs_db", "docs"]));
    const answer = await runOffline("generate-docs", runCli, ["generate", "--langchain_mode=UserData", "--persist_directory=docs_db", "--instruction=How many days of leave?", "--max_new_tokens=8"]);
    expectOffline(answer);
    expect(answer.stdout).toContain("leave.md");
  });

  it.skipIf(neoxTokenizerPath == null)("prepare", async () => {
    const records = Array.from({length: 12}, (_, i) => JSON.stringify({instruction: `question ${i}?`, output: `answer ${i}.`}));
    await writeFile(join(dir, "records.jsonl"), records.join("\n") + "\n");
    expectOffline(await runOffline("prepare", runCli, ["prepare", "--data_path=records.jsonl", `--tokenizer=${neoxTokenizerPath}`, "--output_dir=prepared", "--workers=0", "--val_set_size=2"]));
  });

  it("finetune: a few steps of a tiny random model", async () => {
    await writeRandomLlamaGguf({path: join(dir, "base.gguf"), nEmbd: 32, nLayer: 1, nHead: 2, nFf: 64, contextLength: 64, seed: 2});
    const rows = Array.from({length: 8}, (_, r) => {
      const ids = Array.from({length: 12}, (_, t) => 10 + ((r + t) % 30));
      return JSON.stringify({input_ids: ids, labels: ids});
    });
    await writeFile(join(dir, "rows.jsonl"), rows.join("\n") + "\n");
    expectOffline(await runOffline("finetune", runCli, ["finetune", "--base_model=base.gguf", "--data_path=rows.jsonl", "--output_dir=tuned", "--num_epochs=1", "--micro_batch_size=4", "--batch_size=4"]));
  });
});
