import {describe, expect, it} from "vitest";
import {serverSentData} from "./server-sent-events.js";

async function events(chunks: string[]): Promise<string[]> {
  const encoder = new TextEncoder();
  const body = (async function* () {
    for (const chunk of chunks) yield encoder.encode(chunk);
  })();
  const out: string[] = [];
  for await (const data of serverSentData(body)) out.push(data);
  return out;
}

describe("serverSentData", () => {
  it("splits events on blank lines across arbitrary chunk boundaries, CRLF included", async () => {
    const stream = 'data: {"a":1}\n\n: keep-alive\n\nevent: x\ndata: {"b":\r\ndata: 2}\r\n\r\ndata: [DONE]\n\n';
    const whole = await events([stream]);
    expect(whole).toEqual(['{"a":1}', '{"b":\n2}', "[DONE]"]);
    for (let i = 1; i < stream.length; i++) expect(await events([stream.slice(0, i), stream.slice(i)])).toEqual(whole);
  });

  it("keeps multi-byte characters split between chunks and a last event without a blank line", async () => {
    const bytes = new TextEncoder().encode("data: héllo 😀\n\ndata:tail");
    const body = (async function* () {
      for (const b of bytes) yield new Uint8Array([b]);
    })();
    const out: string[] = [];
    for await (const data of serverSentData(body)) out.push(data);
    expect(out).toEqual(["héllo 😀", "tail"]);
  });
});
