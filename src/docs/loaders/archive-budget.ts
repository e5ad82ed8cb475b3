import {ArchiveLimitError} from "../docs-errors.js";
import type {ArchiveLimits, DocumentInput, LoadContext} from "../document-types.js";
import type {ZipEntry} from "./zip-reader.js";

/**
 * Below this many bytes a member may exceed the compression ratio limit: small, very regular files (a sheet of
 * repeated XML, a log of one repeated line) compress past 200x without being bombs.
 */
const RATIO_FREE_BYTES = 64 * 1024;

// Members handed to `loadNested` carry their budget by their bytes' identity, so a nested archive (or an Office
// file inside an archive) spends the top-level archive's budget even when several ingests run at once.
const budgetsByBytes = new WeakMap<Uint8Array, ArchiveBudget>();
// Fallback for a dispatcher that copies member bytes: the last top-level budget opened with this context.
const budgetsByContext = new WeakMap<LoadContext, ArchiveBudget>();

export interface ArchiveBudgetOptions {
  readonly input: DocumentInput;
  readonly context: LoadContext;
  readonly depth: number;
}

/**
 * What is left of one top-level archive's limits (total uncompressed bytes, member count), shared by every
 * archive and Office file nested inside it. Every refusal is an `ArchiveLimitError` naming the limit and numbers.
 */
export class ArchiveBudget {
  private usedBytes = 0;
  private usedMembers = 0;

  private constructor(readonly limits: ArchiveLimits) {}

  /** The budget of the top-level archive `input` belongs to; depth 0 (or an unknown member) opens a new one. */
  static for(options: ArchiveBudgetOptions): ArchiveBudget {
    const {input, context, depth} = options;
    if (depth > 0) {
      const shared = budgetsByBytes.get(input.bytes) ?? budgetsByContext.get(context);
      if (shared != null) return shared;
    }
    const budget = new ArchiveBudget(context.archiveLimits);
    budgetsByContext.set(context, budget);
    return budget;
  }

  get remainingBytes(): number {
    return Math.max(0, this.limits.maxTotalBytes - this.usedBytes);
  }

  /** Marks a member's bytes as spent from this budget, so loading them as an archive continues it. */
  share(bytes: Uint8Array): void {
    budgetsByBytes.set(bytes, this);
  }

  /** Counts members, refusing `source` when the top-level archive would hold more than `maxMembers`. */
  takeMembers(count: number, source: string): void {
    if (this.usedMembers + count > this.limits.maxMembers) {
      throw this.refuse(source, `${this.usedMembers + count} members (limit ${this.limits.maxMembers})`);
    }
    this.usedMembers += count;
  }

  /** Spends uncompressed bytes, refusing `source` when the top-level archive would expand past `maxTotalBytes`. */
  takeBytes(count: number, source: string): void {
    if (this.usedBytes + count > this.limits.maxTotalBytes) {
      throw this.refuse(
        source,
        `${this.usedBytes + count} bytes uncompressed in total (limit ${this.limits.maxTotalBytes} bytes)`
      );
    }
    this.usedBytes += count;
  }

  /** Refuses a member that declares more than `maxRatio` times its compressed size. */
  checkRatio(entry: ZipEntry, source: string): void {
    if (entry.uncompressedSize <= RATIO_FREE_BYTES) return;
    if (entry.uncompressedSize > Math.max(1, entry.compressedSize) * this.limits.maxRatio) {
      const ratio = Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize));
      throw this.refuse(
        source,
        `member "${entry.name}" expands ${entry.compressedSize} bytes to ${entry.uncompressedSize} (${ratio}x, limit ${this.limits.maxRatio}x)`
      );
    }
  }

  /** Reads one zip member after checking its ratio and spending its (hard-capped) declared size. */
  readZipEntry(entry: ZipEntry, source: string): Uint8Array {
    this.checkRatio(entry, source);
    this.takeBytes(entry.uncompressedSize, source);
    return entry.read();
  }

  /**
   * The most a stream of `compressedBytes` may inflate to: the rest of the total budget or the ratio limit,
   * whichever is smaller; `refusal` is the error for a stream that goes past it.
   */
  streamLimit(compressedBytes: number, source: string): {maxBytes: number; refusal: ArchiveLimitError} {
    const byRatio = Math.max(RATIO_FREE_BYTES, compressedBytes * this.limits.maxRatio);
    const remaining = this.remainingBytes;
    if (byRatio < remaining) {
      return {
        maxBytes: byRatio,
        refusal: this.refuse(
          source,
          `${compressedBytes} compressed bytes expand past ${byRatio} (limit ${this.limits.maxRatio}x)`
        )
      };
    }
    return {
      maxBytes: remaining,
      refusal: this.refuse(
        source,
        `expands past the ${remaining} bytes left of the ${this.limits.maxTotalBytes}-byte total limit`
      )
    };
  }

  private refuse(source: string, detail: string): ArchiveLimitError {
    return new ArchiveLimitError(source, `archive refused: ${detail} (a zip bomb?)`);
  }
}
