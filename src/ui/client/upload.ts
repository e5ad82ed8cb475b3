import {api, ApiError, CSRF_HEADERS} from "./api.js";
import type {IngestJobStatus} from "./types.js";

/**
 * One file's way into a collection: the upload itself (XMLHttpRequest, because fetch reports no upload
 * progress), then the server's ingest job, polled until it ends. Each file is sent as its own upload so that
 * its bytes, its ingestion and its failure are reported for that file alone.
 */

export type UploadUpdate =
  | {readonly phase: "uploading"; readonly fraction: number}
  | {readonly phase: "ingesting"; readonly fraction: number | null}
  | {readonly phase: "done"; readonly job: IngestJobStatus}
  | {readonly phase: "failed"; readonly reason: string};

const POLL_MS = 500;

function errorMessage(xhr: XMLHttpRequest): string {
  try {
    const body = JSON.parse(xhr.responseText) as {error?: {message?: string}};
    if (body.error?.message != null) return body.error.message;
  } catch {
    // Not JSON (a proxy's page, or nothing): the status line says enough.
  }
  return xhr.status === 0 ? "the connection failed" : `${xhr.status} ${xhr.statusText}`;
}

/** POSTs the file as multipart form data; resolves with the ingest job's id once the server accepted it (202). */
function send(file: File, collection: string, onFraction: (fraction: number) => void, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/documents");
    xhr.withCredentials = true;
    // The server refuses multipart writes without this header (they could be forged cross-site otherwise).
    for (const [name, value] of Object.entries(CSRF_HEADERS)) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable && event.total > 0) onFraction(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status === 202 || xhr.status === 200) {
        try {
          resolve((JSON.parse(xhr.responseText) as {job_id: string}).job_id);
        } catch {
          reject(new Error("the server's answer was not JSON"));
        }
        return;
      }
      if (xhr.status === 401) location.assign("/login");
      reject(new ApiError(xhr.status, errorMessage(xhr), null));
    });
    xhr.addEventListener("error", () => reject(new Error(errorMessage(xhr))));
    xhr.addEventListener("abort", () => reject(new Error("cancelled")));
    signal.addEventListener("abort", () => xhr.abort(), {once: true});
    const form = new FormData();
    form.append("langchain_mode", collection);
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for the ingest job to end, reporting its progress; returns its final status. */
async function follow(jobId: string, onUpdate: (update: UploadUpdate) => void, signal: AbortSignal): Promise<IngestJobStatus> {
  for (;;) {
    const job = await api<IngestJobStatus>(`/api/documents/jobs/${encodeURIComponent(jobId)}`, {signal});
    if (job.state !== "running") return job;
    const p = job.progress;
    const fraction = p == null ? null : p.bytes_total > 0 ? p.bytes_done / p.bytes_total : p.files_total > 0 ? p.files_done / p.files_total : null;
    onUpdate({phase: "ingesting", fraction});
    await sleep(POLL_MS);
  }
}

/** The reason a finished job gives for this upload failing, or undefined when it succeeded. */
export function failureOf(job: IngestJobStatus): string | undefined {
  if (job.state === "failed") return job.error ?? "ingestion failed";
  const failures = job.summary?.failures ?? [];
  if (failures.length > 0) return failures.map((f) => f.reason).join("; ");
  return undefined;
}

/** Uploads `file` into `collection` and follows its ingestion; every outcome (also a failure) ends in onUpdate. */
export async function uploadFile(file: File, collection: string, onUpdate: (update: UploadUpdate) => void, signal: AbortSignal): Promise<void> {
  try {
    onUpdate({phase: "uploading", fraction: 0});
    const jobId = await send(file, collection, (fraction) => onUpdate({phase: "uploading", fraction}), signal);
    onUpdate({phase: "ingesting", fraction: null});
    const job = await follow(jobId, onUpdate, signal);
    const reason = failureOf(job);
    onUpdate(reason == null ? {phase: "done", job} : {phase: "failed", reason});
  } catch (error) {
    onUpdate({phase: "failed", reason: error instanceof Error ? error.message : String(error)});
  }
}
