import {UsageError} from "../errors/index.js";
import type {FinetuneOptions} from "./finetune-options.js";
import {trainedTokens, type TrainRow} from "./micro-batch.js";
import {readPreparedData, type TrainingData} from "./prepared-rows.js";

/** The rows to train and evaluate on: given rows (split by their `split`), or a prepared folder or file. */
export async function collectRows(options: FinetuneOptions): Promise<TrainingData> {
  if (options.rows != null) {
    const data: TrainingData = {train: [], valid: []};
    for await (const row of options.rows) (row.split === "valid" ? data.valid : data.train).push(row);
    return data;
  }
  if (options.dataPath != null) return readPreparedData(options.dataPath);
  throw new UsageError("no training data: give rows or --data_path");
}

/** Refuses data the run cannot use, naming the row: ids outside the vocabulary, nothing to train on. */
export function checkRows(data: TrainingData, vocabSize: number): void {
  if (data.train.length === 0) throw new UsageError("no training rows (every record was dropped or the data is empty)");
  const check = (rows: readonly TrainRow[], split: string) =>
    rows.forEach((row, index) => {
      for (const id of Array.from(row.inputIds))
        if (!(id >= 0 && id < vocabSize))
          throw new UsageError(`${split} row ${index + 1}: token id ${id} is outside the base model's vocabulary (${vocabSize} tokens); prepare the data with the base model's tokenizer`);
    });
  check(data.train, "train");
  check(data.valid, "valid");
  if (!data.train.some((row) => trainedTokens(row) > 0))
    throw new UsageError("no row has a token to train on (every label is -100); check --train_on_inputs and --cutoff_len");
}
