import {readSafetensorsHeader, readSafetensorsTensor, writeSafetensorsFile} from "../hf/index.js";
import {CheckpointError} from "./train-errors.js";

/**
 * Checkpoints' F32 tensors in the safetensors layout, the format Hugging Face checkpoints use, so our checkpoints
 * open in Python's `safetensors` too. The format itself is hf's (readSafetensorsHeader, writeSafetensorsFile): a
 * file that is not safetensors fails there with HfModelError naming it.
 */

export interface NamedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export async function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, NamedTensor>,
  metadata: Readonly<Record<string, string>> = {}
): Promise<void> {
  await writeSafetensorsFile(path, [...tensors].map(([name, tensor]) => ({name, shape: tensor.shape, data: tensor.data})), metadata);
}

export async function readSafetensors(path: string): Promise<{tensors: Map<string, NamedTensor>; metadata: Record<string, string>}> {
  const header = await readSafetensorsHeader(path);
  const tensors = new Map<string, NamedTensor>();
  for (const [name, entry] of header.tensors) {
    if (entry.dtype !== "F32") throw new CheckpointError(path, `tensor ${name} is ${entry.dtype}; only F32 is supported`);
    tensors.set(name, {shape: entry.shape, data: await readSafetensorsTensor(header, name)});
  }
  return {tensors, metadata: {...header.metadata}};
}
