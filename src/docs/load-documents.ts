import {archiveLoader} from "./loaders/archive-loader.js";
import {csvLoader} from "./loaders/csv-loader.js";
import {datasetLoader} from "./loaders/dataset-loader.js";
import {docxLoader} from "./loaders/docx-loader.js";
import {emlLoader} from "./loaders/eml-loader.js";
import {epubLoader} from "./loaders/epub-loader.js";
import {htmlLoader} from "./loaders/html-loader.js";
import {imageLoader} from "./loaders/image-loader.js";
import {jsonLoader} from "./loaders/json-loader.js";
import {mhtmlLoader} from "./loaders/mhtml-loader.js";
import {opendocumentLoader} from "./loaders/opendocument-loader.js";
import {pdfLoader} from "./loaders/pdf-loader.js";
import {pptxLoader} from "./loaders/pptx-loader.js";
import {textLoader} from "./loaders/text-loader.js";
import {xlsxLoader} from "./loaders/xlsx-loader.js";
import {detectFormat} from "./detect-format.js";
import {DocumentLoadError} from "./docs-errors.js";
import {
  DEFAULT_ARCHIVE_LIMITS,
  type ArchiveLimits,
  type DatasetColumns,
  type DocumentFormat,
  type DocumentInput,
  type LoadContext,
  type LoadedDocument,
  type LoadFailure,
  type Loader,
  type OcrRunner
} from "./document-types.js";

const LOADERS: ReadonlyMap<DocumentFormat, Loader> = new Map(
  [
    textLoader,
    htmlLoader,
    mhtmlLoader,
    csvLoader,
    jsonLoader,
    datasetLoader,
    pdfLoader,
    imageLoader,
    docxLoader,
    pptxLoader,
    xlsxLoader,
    opendocumentLoader,
    epubLoader,
    emlLoader,
    archiveLoader
  ].flatMap((loader) => loader.formats.map((format) => [format, loader] as const))
);

export interface LoadDocumentsOptions {
  readonly input: DocumentInput;
  readonly ocr: OcrRunner;
  readonly archiveLimits?: ArchiveLimits;
  readonly dataset?: DatasetColumns;
  readonly signal?: AbortSignal;
  /** Called for the input itself or any member or row that could not be read; loading goes on with the rest. */
  readonly onFailure: (failure: LoadFailure) => void;
}

/**
 * The documents in one input: its format sniffed, its loader run, containers opened member by member. Nothing
 * here throws for bad content: every file, member or row that cannot be read is reported through `onFailure`
 * (with its source and the reason) and the rest is loaded, so one bad file never loses a batch.
 *
 * @example
 * for await (const document of loadDocuments({input: {name: "a.pdf", source: "/docs/a.pdf", bytes}, ocr, onFailure: console.warn}))
 *   console.log(document.source, document.segments.length);
 */
export async function* loadDocuments(options: LoadDocumentsOptions): AsyncGenerator<LoadedDocument> {
  const context: LoadContext = {
    signal: options.signal,
    archiveLimits: options.archiveLimits ?? DEFAULT_ARCHIVE_LIMITS,
    ocr: options.ocr,
    dataset: options.dataset ?? {},
    loadNested: (input, depth) => load(input, depth),
    reportFailure: options.onFailure
  };

  async function* load(input: DocumentInput, depth: number): AsyncGenerator<LoadedDocument> {
    try {
      const detected = detectFormat({name: input.name, bytes: input.bytes});
      if ("unsupported" in detected) throw new DocumentLoadError(input.source, detected.unsupported);
      const loader = LOADERS.get(detected.format);
      if (loader == null) throw new DocumentLoadError(input.source, `no loader for ${detected.format}`);
      for await (const document of loader.load(input, context, depth)) {
        options.signal?.throwIfAborted();
        yield document;
      }
    } catch (error) {
      if (options.signal?.aborted) throw error;
      options.onFailure(failureOf(input.source, error));
    }
  }

  yield* load(options.input, 0);
}

function failureOf(source: string, error: unknown): LoadFailure {
  if (error instanceof DocumentLoadError) return {source: error.source, reason: error.reason};
  const message = error instanceof Error ? error.message : String(error);
  return {source, reason: `cannot read: ${message.split("\n")[0]}`};
}
