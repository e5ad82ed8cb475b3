import {execFile} from "node:child_process";
import {promisify} from "node:util";

const run = promisify(execFile);

/** What the training benchmarks print when their PyTorch peer cannot run. */
export const TORCH_MISSING = "PyTorch is not installed (apt-get install -y python3-torch libopenblas0-pthread)";

/**
 * A Python that imports torch: the one on PATH, or Debian's (python3-torch installs into /usr/bin/python3's path,
 * which a pyenv or venv python3 on PATH does not see).
 */
export async function torchPython(): Promise<string | undefined> {
  for (const python of ["python3", "/usr/bin/python3"]) {
    try {
      await run(python, ["-c", "import torch, numpy"]);
      return python;
    } catch {
      continue;
    }
  }
  return undefined;
}
