/**
 * The document stage's shared shapes: what a loader receives (bytes + name), what it gives back (documents made of
 * text segments with page/section metadata), and how a failure is reported. Every loader, the ingest pipeline and
 * the index speak these types and nothing else.
 */

/** Formats the sniffer can name. `zip`, `tar` and `gzip` are containers whose members are loaded in turn. */
export type DocumentFormat =
  | "text"
  | "markdown"
  | "rst"
  | "code"
  | "html"
  | "mhtml"
  | "pdf"
  | "docx"
  | "pptx"
  | "xlsx"
  | "odt"
  | "ods"
  | "epub"
  | "eml"
  | "csv"
  | "tsv"
  | "json"
  | "jsonl"
  | "parquet"
  | "image"
  | "zip"
  | "tar"
  | "gzip";

/** One file's bytes, however it arrived (a file on disk, an archive member, a URL's body). */
export interface DocumentInput {
  /** The name used for extension hints and shown to users: a file name, an archive member path, a URL's path. */
  readonly name: string;
  /** What the index records as the document's source: an absolute path, `archive.zip!/member/path`, or a URL. */
  readonly source: string;
  readonly bytes: Uint8Array;
  /** The file on disk, when there is one: dataset loaders stream from it instead of holding `bytes` twice. */
  readonly path?: string;
}

/** A run of text with where it came from inside the document. */
export interface TextSegment {
  readonly text: string;
  /** 1-based page (PDF pages, slides, spreadsheet sheets count as pages). */
  readonly page?: number;
  /** A heading, sheet name, e-mail part or similar, when the format has one. */
  readonly section?: string;
}

/** A document as loaders produce it: one per file, or one per row / member / page group for multi-document files. */
export interface LoadedDocument {
  /** Unique within an ingest: a row, member or entry gets its own (`data.csv#row=12`, `a.zip!/b.pdf`). */
  readonly source: string;
  readonly format: DocumentFormat;
  readonly title?: string;
  /** Extra source facts shown with citations (a dataset row's url, an e-mail's subject). */
  readonly metadata?: Readonly<Record<string, string | number>>;
  readonly segments: readonly TextSegment[];
}

/** Why a file (or an archive member) was skipped; shown as `source: reason`. */
export interface LoadFailure {
  readonly source: string;
  readonly reason: string;
}

/** Bounds on archives (zip, tar, gz): past any of them the archive is refused with the reason. */
export interface ArchiveLimits {
  /** Total uncompressed bytes of all members of one top-level archive, nested archives included. */
  readonly maxTotalBytes: number;
  readonly maxMembers: number;
  /** Uncompressed / compressed size of one member (zip) or stream (gzip). */
  readonly maxRatio: number;
  /** Archives inside archives. */
  readonly maxDepth: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxTotalBytes: 1024 * 1024 * 1024,
  maxMembers: 10_000,
  maxRatio: 200,
  maxDepth: 4
};

/** OCR through Debian's tesseract; `available` is false when the binary is missing, so callers can say so. */
export interface OcrRunner {
  readonly available: boolean;
  /** Why OCR cannot run (e.g. "tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng)"). */
  readonly unavailableReason?: string;
  /** Text of one image (PNG, JPEG, TIFF, BMP bytes). */
  recognize(image: Uint8Array, signal?: AbortSignal): Promise<string>;
  /** Text of PDF pages (1-based numbers) that have no text layer, rendered first (poppler's pdftoppm). */
  recognizePdfPages(pdf: Uint8Array, pages: readonly number[], signal?: AbortSignal): Promise<Map<number, string>>;
}

/** Options of dataset files (Parquet / JSONL / CSV holding one document per row in a text column). */
export interface DatasetColumns {
  /** The column holding a row's text; datasets are recognised by a `text` column when this is not given. */
  readonly textColumn?: string;
  /** Columns that make the row's source (default: url, then title, then id); the first non-empty wins. */
  readonly sourceColumns?: readonly string[];
}

/** What a loader may use besides its input. */
export interface LoadContext {
  readonly signal?: AbortSignal;
  readonly archiveLimits: ArchiveLimits;
  readonly ocr: OcrRunner;
  readonly dataset: DatasetColumns;
  /**
   * Loads a member of a container (archive, e-mail attachment) as if it were a file: sniffed, dispatched, its
   * failures reported through `reportFailure` and never thrown, so one bad member does not lose the others.
   * `depth` is how many containers the member is inside.
   */
  loadNested(input: DocumentInput, depth: number): AsyncIterable<LoadedDocument>;
  reportFailure(failure: LoadFailure): void;
}

/** Reads one format. Throws `DocumentLoadError` (with the reason users see) when the input cannot be read. */
export interface Loader {
  readonly formats: readonly DocumentFormat[];
  load(input: DocumentInput, context: LoadContext, depth: number): AsyncIterable<LoadedDocument>;
}
