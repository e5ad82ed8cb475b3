import {UsageError} from "../errors/index.js";

export type Split = "train" | "valid";

export interface Assigned<T> {
  readonly row: T;
  readonly split: Split;
}

/**
 * Assigns rows to train or valid as they stream by, deterministically for a seed.
 * - `valSetSize` 0: everything is train.
 * - a fraction (0 < f < 1): each row is valid with probability f (so about f x rows are), decided on the spot, so
 *   memory stays flat.
 * - a count (an integer >= 1): reservoir sampling picks exactly that many rows uniformly at random and holds only
 *   them; a row pushed out of the reservoir becomes train at that moment, and the valid rows come out at the end,
 *   in input order. When fewer rows arrive than the count, they all become valid.
 */
export interface RowSplitter<T> {
  /** The rows whose split is now decided: the pushed row, or a row evicted from the reservoir, or none. */
  push(row: T): Assigned<T>[];
  /** The rows still held (the reservoir), all valid. */
  finish(): Assigned<T>[];
}

export function validateValSetSize(valSetSize: number): void {
  if (!Number.isFinite(valSetSize) || valSetSize < 0 || (valSetSize >= 1 && !Number.isInteger(valSetSize)))
    throw new UsageError(`--val_set_size: expected a count (0, 1, 2, ...) or a fraction below 1, got ${valSetSize}`);
}

export function createSplitter<T>(valSetSize: number, random: () => number): RowSplitter<T> {
  validateValSetSize(valSetSize);
  if (valSetSize === 0) return {push: (row) => [{row, split: "train"}], finish: () => []};
  if (valSetSize < 1) return {push: (row) => [{row, split: random() < valSetSize ? "valid" : "train"}], finish: () => []};
  const reservoir: {row: T; index: number}[] = [];
  let seen = 0;
  return {
    push(row) {
      const index = seen++;
      if (reservoir.length < valSetSize) {
        reservoir.push({row, index});
        return [];
      }
      const j = Math.floor(random() * seen);
      if (j >= valSetSize) return [{row, split: "train"}];
      const evicted = reservoir[j]!.row;
      reservoir[j] = {row, index};
      return [{row: evicted, split: "train"}];
    },
    finish: () =>
      reservoir
        .splice(0)
        .sort((a, b) => a.index - b.index)
        .map((entry) => ({row: entry.row, split: "valid"}))
  };
}
