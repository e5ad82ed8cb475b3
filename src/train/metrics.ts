import {appendFile, readFile} from "node:fs/promises";
import {writeFileAtomic} from "../util/index.js";

/** One line of metrics.jsonl: a training step, or an evaluation (with `eval_loss`). Names follow Hugging Face's log history. */
export interface MetricsRecord {
  readonly step: number;
  readonly epoch: number;
  readonly loss?: number;
  readonly eval_loss?: number;
  readonly learning_rate?: number;
  readonly grad_norm?: number;
  readonly tokens?: number;
  readonly tokens_per_second?: number;
  readonly elapsed_seconds?: number;
}

export async function appendMetrics(path: string, record: MetricsRecord): Promise<void> {
  await appendFile(path, JSON.stringify(record) + "\n");
}

export async function readMetrics(path: string): Promise<MetricsRecord[]> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as MetricsRecord];
      } catch {
        return [];
      }
    });
}

/** On resume, drops records past the checkpoint so the curve continues instead of repeating steps. */
export async function truncateMetrics(path: string, lastStep: number): Promise<void> {
  const kept = (await readMetrics(path)).filter((record) => record.step <= lastStep);
  await writeFileAtomic(path, kept.map((record) => JSON.stringify(record) + "\n").join(""));
}
