import {DocumentLoadError} from "../docs-errors.js";
import type {DatasetColumns, DocumentInput, Loader} from "../document-types.js";
import {csvRows, datasetDocuments} from "./dataset-loader.js";

/**
 * CSV and TSV files, one document per data row as LangChain's CSVLoader makes them: `column: value` lines in
 * header order, the source `file#row=N`. A file with a text column (`--text_column`, else a column named `text`)
 * is a dataset instead: one document per row whose text is that column.
 */
export const csvLoader: Loader = {
  formats: ["csv", "tsv"],
  async *load(input, context) {
    const format = isTsv(input) ? "tsv" : "csv";
    let rows = 0;
    let documents = 0;
    for await (const row of csvRows(input, format === "tsv" ? "\t" : ",", context.signal)) {
      if (row.row === 1 && hasTextColumn(row.header, context.dataset)) {
        yield* datasetDocuments({
          input,
          format,
          columns: context.dataset,
          signal: context.signal,
          reportFailure: (failure) => context.reportFailure(failure)
        });
        return;
      }
      rows++;
      const source = `${input.source}#row=${row.row}`;
      const width = Math.max(row.header.length, row.cells.length);
      const lines: string[] = [];
      let empty = true;
      for (let i = 0; i < width; i++) {
        const value = (row.cells[i] ?? "").trim();
        if (value !== "") empty = false;
        lines.push(`${row.header[i] || `column ${i + 1}`}: ${value}`);
      }
      if (empty) {
        context.reportFailure({source, reason: "empty row"});
        continue;
      }
      documents++;
      yield {source, format, metadata: {row: row.row}, segments: [{text: lines.join("\n")}]};
    }
    if (rows === 0) throw new DocumentLoadError(input.source, "empty: the file has no data rows");
    if (documents === 0) throw new DocumentLoadError(input.source, "no text found: every row is empty");
  }
};

function hasTextColumn(header: readonly string[], dataset: DatasetColumns): boolean {
  return header.includes(dataset.textColumn ?? "text");
}

/** A `.tsv`/`.tab` name, or a first line with tabs and no commas (the sniffer may name a `.txt` table `tsv`). */
function isTsv(input: DocumentInput): boolean {
  const name = input.name.toLowerCase();
  if (name.endsWith(".tsv") || name.endsWith(".tab")) return true;
  if (name.endsWith(".csv")) return false;
  const head = Buffer.from(input.bytes.buffer, input.bytes.byteOffset, Math.min(input.bytes.byteLength, 64 * 1024)).toString("utf8");
  const firstLine = head.split("\n", 1)[0] ?? "";
  return firstLine.includes("\t") && !firstLine.includes(",");
}
