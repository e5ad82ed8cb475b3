/**
 * One server-sent event whose data is a line of JSON, as hono's `writeSSE` writes it. JSON.stringify never emits
 * a raw line break, so the per-event line splitting `writeSSE` does is not needed on the per-token path.
 *
 * @example
 * await sse.write(jsonEvent('{"text":"Hi"}', "delta")); // "event: delta\ndata: {\"text\":\"Hi\"}\n\n"
 */
export function jsonEvent(json: string, event?: string): string {
  return event == null ? `data: ${json}\n\n` : `event: ${event}\ndata: ${json}\n\n`;
}

const MARKER = "\u0000h2ogpt-text\u0000";

/**
 * The JSON of an envelope around a text field, serialized once: what is left per token is one JSON.stringify of
 * the text. `serialize(text)` must put `text` in the envelope exactly once.
 *
 * @example
 * const delta = textEnvelope((text) => JSON.stringify({id: "cmpl-1", choices: [{index: 0, text}]}));
 * delta("Hi"); // '{"id":"cmpl-1","choices":[{"index":0,"text":"Hi"}]}'
 */
export function textEnvelope(serialize: (text: string) => string): (text: string) => string {
  const parts = serialize(MARKER).split(JSON.stringify(MARKER));
  if (parts.length !== 2) return serialize;
  const [prefix, suffix] = parts as [string, string];
  return (text) => prefix + JSON.stringify(text) + suffix;
}
