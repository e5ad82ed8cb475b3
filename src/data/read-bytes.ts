import {createReadStream} from "node:fs";
import {createGunzip} from "node:zlib";
import type {InputFile} from "./input-files.js";

export interface ReadBytesOptions {
  /** Called with the number of on-disk bytes consumed (compressed bytes for .gz), for progress. */
  readonly onBytes?: (bytes: number) => void;
  readonly signal?: AbortSignal;
}

/** Large reads: fewer, bigger chunks make line splitting and UTF-8 checks cheaper per byte. */
const CHUNK_BYTES = 1 << 20;

/** The file's bytes as a stream of chunks, gunzipped for `.gz`, with progress counted on the raw file. */
export function readBytes(file: InputFile, options: ReadBytesOptions = {}): AsyncIterable<Buffer> {
  const raw = createReadStream(file.absolutePath, {highWaterMark: CHUNK_BYTES, signal: options.signal});
  if (options.onBytes != null) raw.on("data", (chunk) => options.onBytes!(chunk.length));
  if (!file.gzip) return raw;
  const gunzip = createGunzip({chunkSize: CHUNK_BYTES});
  raw.on("error", (error) => gunzip.destroy(error));
  return raw.pipe(gunzip);
}
