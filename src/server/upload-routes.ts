import {Hono} from "hono";
import {bodyLimit} from "hono/body-limit";
import {CollectionNotFoundError, checkCollectionName, type CollectionManager, type UploadedFile} from "../docs/index.js";
import {UsageError} from "../errors/index.js";
import type {AppEnv} from "./access-control.js";
import {quote} from "./field-readers.js";
import {HttpError} from "./http-error.js";
import type {IngestJobs} from "./ingest-jobs.js";

/**
 * Document uploads: `POST /api/documents` (multipart/form-data: one or more `file` parts, and `langchain_mode`,
 * default MyData) answers 202 `{job_id}` at once and ingests in the background; `GET /api/documents/jobs/:id`
 * reports the job's progress, then its summary with every file that failed and why. Type sniffing is by content
 * (the ingest stage's); the size cap is the server's --max_upload_bytes.
 */

export interface UploadRoutesOptions {
  readonly collections: CollectionManager;
  readonly jobs: IngestJobs;
  readonly maxUploadBytes: number;
  readonly allowSharedChanges: boolean;
}

const MAX_FILES = 100;

export function uploadRoutes(options: UploadRoutesOptions): Hono<AppEnv> {
  const {collections, jobs} = options;
  const app = new Hono<AppEnv>();

  app.post(
    "/",
    bodyLimit({
      maxSize: options.maxUploadBytes,
      onError: () => {
        throw new HttpError(413, `upload larger than ${options.maxUploadBytes} bytes`, {code: "body_too_large", headers: {Connection: "close"}});
      }
    }),
    async (c) => {
      const type = c.req.header("content-type") ?? "";
      if (!/^multipart\/form-data\b/i.test(type))
        throw new HttpError(415, `expected Content-Type: multipart/form-data, got ${type === "" ? "none" : quote(type)}`, {code: "unsupported_media_type"});
      let form: Record<string, string | File | (string | File)[]>;
      try {
        form = await c.req.parseBody({all: true});
      } catch (error) {
        throw new HttpError(400, `body: not valid multipart form data (${(error as Error).message})`, {code: "invalid_body"});
      }
      const mode = typeof form.langchain_mode === "string" && form.langchain_mode !== "" ? form.langchain_mode : "MyData";
      try {
        checkCollectionName(mode);
      } catch (error) {
        if (error instanceof UsageError) throw new HttpError(400, `langchain_mode: ${error.message}`, {param: "langchain_mode", code: "invalid_value"});
        throw error;
      }
      if (collections.isShared(mode) && !options.allowSharedChanges)
        throw new HttpError(403, `${mode} is shared; this server does not let users change it`, {code: "shared_collection_read_only"});
      const parts = [form.file, form.files].flat().filter((part): part is File => part instanceof File);
      if (parts.length === 0) throw new HttpError(400, "file: give at least one file part", {param: "file", code: "missing_field"});
      if (parts.length > MAX_FILES) throw new HttpError(400, `file: at most ${MAX_FILES} files per upload, got ${parts.length}`, {param: "file"});
      const files: UploadedFile[] = [];
      for (const part of parts) {
        // A browser sends the bare name; anything path-like is cut to its last component, so a name cannot pose as a path.
        const name = part.name.split(/[\\/]/).pop()!.slice(0, 255) || "upload";
        files.push({name, bytes: new Uint8Array(await part.arrayBuffer())});
      }
      const user = c.get("principal").user;
      try {
        await collections.collection(user, mode, {create: true});
      } catch (error) {
        if (error instanceof CollectionNotFoundError || error instanceof UsageError)
          throw new HttpError(400, (error as Error).message, {param: "langchain_mode", code: "invalid_value"});
        throw error;
      }
      const job = jobs.start({owner: user, collection: mode, files});
      return c.json({job_id: job.id, langchain_mode: mode, files: job.files}, 202);
    }
  );

  app.get("/jobs/:id", (c) => {
    const job = jobs.get(c.get("principal").user, c.req.param("id"));
    if (job == null) throw new HttpError(404, "no such upload job", {code: "job_not_found"});
    const progress = job.progress;
    const summary = job.summary;
    return c.json({
      job_id: job.id,
      langchain_mode: job.collection,
      files: job.files,
      state: job.state,
      progress:
        progress == null
          ? null
          : {files_done: progress.filesDone, files_total: progress.filesTotal, bytes_done: progress.bytesDone, bytes_total: progress.bytesTotal, documents: progress.documents, chunks: progress.chunks},
      summary:
        summary == null
          ? null
          : {added: summary.added, updated: summary.updated, unchanged: summary.unchanged, failed: summary.failed, documents: summary.documents, chunks: summary.chunks, failures: summary.failures},
      error: job.error ?? null
    });
  });

  return app;
}
