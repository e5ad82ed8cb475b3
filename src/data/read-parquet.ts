import {asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema} from "hyparquet";
import {problem, type RawItem} from "./record-types.js";
import type {InputFile} from "./input-files.js";
import type {ReaderOptions} from "./reader-options.js";

/**
 * Reads a Parquet file one row group at a time (memory holds one row group), as row objects. Records are
 * numbered by row (1-based). A row group that cannot be decoded makes each of its rows a problem, and reading
 * goes on with the next group.
 */
export async function* readParquet(file: InputFile, options: ReaderOptions): AsyncGenerator<RawItem[]> {
  const buffer = await asyncBufferFromFile(file.absolutePath);
  const metadata = await parquetMetadataAsync(buffer);
  // Only the columns the schema names: hyparquet reads a column chunk whose path the schema lacks (a corrupt
  // file) but never awaits it, so its decoding error would escape as an unhandled rejection and end the process.
  const columns = parquetSchema(metadata).children.map((child) => child.element.name);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    options.signal?.throwIfAborted();
    const rowEnd = rowStart + Number(group.num_rows);
    let items: RawItem[];
    try {
      const rows = await parquetReadObjects({file: buffer, metadata, columns, rowStart, rowEnd});
      items = rows.map((value, i) => ({kind: "record", value, source: {file: file.path, line: rowStart + i + 1}}));
    } catch (error) {
      const detail = `row group ${rowStart + 1}-${rowEnd} cannot be decoded: ${(error as Error).message}`;
      items = [];
      for (let line = rowStart + 1; line <= rowEnd; line++) items.push(problem("unreadable_file", detail, {file: file.path, line}));
    }
    options.position.line = rowEnd;
    options.onBytes?.(Number(group.total_compressed_size ?? 0));
    rowStart = rowEnd;
    if (items.length > 0) yield items;
  }
}
