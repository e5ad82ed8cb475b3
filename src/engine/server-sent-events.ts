/**
 * The `data` payloads of a text/event-stream body, one per event (multi-line data joined with "\n"). Comments,
 * `event:`/`id:` fields and blank keep-alives are skipped.
 */
export async function* serverSentData(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | null): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  const lines = function* (final: boolean): Generator<string> {
    for (;;) {
      const newline = buffer.indexOf("\n");
      if (newline === -1) {
        if (final && buffer !== "") {
          const rest = buffer;
          buffer = "";
          yield rest;
        }
        return;
      }
      const line = buffer.slice(0, newline).replace(/\r$/, "");
      buffer = buffer.slice(newline + 1);
      yield line;
    }
  };
  const take = function* (final: boolean): Generator<string> {
    for (const line of lines(final)) {
      if (line === "") {
        if (data.length > 0) yield data.join("\n");
        data = [];
      } else if (line.startsWith("data:")) {
        data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
      }
    }
  };
  for await (const chunk of chunks(body)) {
    buffer += decoder.decode(chunk, {stream: true});
    yield* take(false);
  }
  buffer += decoder.decode();
  yield* take(true);
  if (data.length > 0) yield data.join("\n");
}

async function* chunks(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | null): AsyncGenerator<Uint8Array> {
  if (body == null) return;
  if (!("getReader" in body)) {
    yield* body;
    return;
  }
  const reader = body.getReader();
  try {
    for (;;) {
      const {done, value} = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
