import {NotSupportedError} from "../../../errors/index.js";
import {DocumentLoadError} from "../../docs-errors.js";
import {
  DEFAULT_ARCHIVE_LIMITS,
  type ArchiveLimits,
  type DocumentInput,
  type LoadContext,
  type LoadedDocument,
  type LoadFailure
} from "../../document-types.js";
import {archiveLoader} from "../archive-loader.js";

/**
 * A LoadContext for archive tests standing in for the real dispatcher: archives (by extension) go back to
 * `archiveLoader`, anything else must be UTF-8 text and becomes one "text"/"markdown" document. Failures are
 * collected, never thrown, as the dispatcher does.
 */
export function textLoadContext(limits: Partial<ArchiveLimits> = {}): {context: LoadContext; failures: LoadFailure[]} {
  const failures: LoadFailure[] = [];
  const unavailable = async (): Promise<never> => {
    throw new NotSupportedError("no OCR in tests");
  };
  const context: LoadContext = {
    archiveLimits: {...DEFAULT_ARCHIVE_LIMITS, ...limits},
    ocr: {available: false, unavailableReason: "no OCR in tests", recognize: unavailable, recognizePdfPages: unavailable},
    dataset: {},
    reportFailure: (failure) => failures.push(failure),
    loadNested: (input, depth) => loadNested(context, input, depth)
  };
  return {context, failures};
}

async function* loadNested(context: LoadContext, input: DocumentInput, depth: number): AsyncGenerator<LoadedDocument> {
  try {
    if (/\.(zip|tar|tgz|gz)$/i.test(input.name)) {
      yield* archiveLoader.load(input, context, depth);
      return;
    }
    let text: string;
    try {
      text = new TextDecoder("utf-8", {fatal: true}).decode(input.bytes);
    } catch {
      throw new DocumentLoadError(input.source, "not UTF-8 text");
    }
    yield {source: input.source, format: /\.md$/i.test(input.name) ? "markdown" : "text", segments: [{text}]};
  } catch (error) {
    if (!(error instanceof DocumentLoadError)) throw error;
    context.reportFailure({source: error.source, reason: error.reason});
  }
}
