import {randomBytes} from "node:crypto";
import type {CollectionManager, IngestProgress, IngestSummary, UploadedFile} from "../docs/index.js";

/** An upload being ingested, as its owner can see it. */
export interface IngestJob {
  readonly id: string;
  readonly owner: string;
  readonly collection: string;
  readonly files: readonly string[];
  state: "running" | "done" | "failed";
  progress: IngestProgress | undefined;
  summary: IngestSummary | undefined;
  error: string | undefined;
  readonly startedAt: number;
  finishedAt: number | undefined;
}

/** Finished jobs are kept this long for the UI to read their outcome. */
const KEEP_MS = 60 * 60_000;

/**
 * Uploads ingesting in the background, so an upload answers at once (202 with a job id) and its progress can be
 * read while it runs, instead of a request that hangs for minutes. A user's uploads ingest one after another (one
 * ingestion keeps a core busy); jobs are per user: another user's job id is unknown to them.
 */
export class IngestJobs {
  private readonly jobs = new Map<string, IngestJob>();
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(private readonly collections: CollectionManager) {}

  start(options: {owner: string; collection: string; files: readonly UploadedFile[]}): IngestJob {
    this.prune();
    const job: IngestJob = {
      id: randomBytes(12).toString("base64url"),
      owner: options.owner,
      collection: options.collection,
      files: options.files.map((file) => file.name),
      state: "running",
      progress: undefined,
      summary: undefined,
      error: undefined,
      startedAt: Date.now(),
      finishedAt: undefined
    };
    this.jobs.set(job.id, job);
    const before = this.running.get(options.owner) ?? Promise.resolve();
    const work = before.then(() =>
      this.collections.ingest({
        user: options.owner,
        name: options.collection,
        inputs: options.files,
        onProgress: (progress) => (job.progress = progress)
      })
    );
    const settled = work.then(
      (summary) => {
        job.summary = summary;
        job.state = "done";
      },
      (error: Error) => {
        job.error = error.message.split("\n")[0];
        job.state = "failed";
      }
    );
    this.running.set(options.owner, settled.finally(() => (job.finishedAt = Date.now())));
    return job;
  }

  /** The job if `owner` started it. */
  get(owner: string, id: string): IngestJob | undefined {
    const job = this.jobs.get(id);
    return job?.owner === owner ? job : undefined;
  }

  private prune(): void {
    const now = Date.now();
    for (const [id, job] of this.jobs) if (job.finishedAt != null && now - job.finishedAt > KEEP_MS) this.jobs.delete(id);
  }
}
