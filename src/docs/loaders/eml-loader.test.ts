import {describe, expect, it} from "vitest";
import {DocumentLoadError} from "../docs-errors.js";
import {DEFAULT_ARCHIVE_LIMITS} from "../document-types.js";
import type {DocumentInput, LoadContext, LoadedDocument, LoadFailure} from "../document-types.js";
import {emlLoader} from "./eml-loader.js";
import {pdfLoader} from "./pdf-loader.js";
import {buildPdf, unavailableOcr} from "./test-fixtures/loader-fixtures.js";

interface NestedCall {
  readonly input: DocumentInput;
  readonly depth: number;
}

/** A context whose loadNested reads .txt as text and .pdf through the PDF loader, and reports anything else. */
function mailContext(calls: NestedCall[], failures: LoadFailure[] = []): LoadContext {
  const context: LoadContext = {
    archiveLimits: DEFAULT_ARCHIVE_LIMITS,
    ocr: unavailableOcr,
    dataset: {},
    async *loadNested(input, depth) {
      calls.push({input, depth});
      if (input.name.endsWith(".txt")) {
        yield {source: input.source, format: "text", segments: [{text: new TextDecoder().decode(input.bytes).trim()}]};
      } else if (input.name.endsWith(".pdf")) {
        yield* pdfLoader.load(input, context, depth);
      } else failures.push({source: input.source, reason: "unsupported format"});
    },
    reportFailure: (failure) => failures.push(failure)
  };
  return context;
}

async function loadMail(mail: string | Uint8Array, context: LoadContext = mailContext([])): Promise<LoadedDocument[]> {
  const bytes = typeof mail === "string" ? new TextEncoder().encode(mail) : mail;
  const documents: LoadedDocument[] = [];
  for await (const document of emlLoader.load({name: "mail.eml", source: "/mail/mail.eml", bytes}, context, 0)) {
    documents.push(document);
  }
  return documents;
}

async function loadError(mail: string): Promise<DocumentLoadError> {
  const error = await loadMail(mail).then(
    () => undefined,
    (caught: unknown) => caught
  );
  expect(error).toBeInstanceOf(DocumentLoadError);
  return error as DocumentLoadError;
}

const crlf = (lines: readonly string[]): string => lines.join("\r\n");

const PLAIN = crlf([
  'From: "Ada Lovelace" <ada@example.com>',
  "To: Charles Babbage <charles@example.com>, team@example.com",
  "Cc: Mary <mary@example.com>",
  "Date: Tue, 1 Apr 2025 10:00:00 +0000",
  "Subject: =?UTF-8?Q?Notes_on_the_Analytical_Engine_=E2=80=93_draft?=",
  "Message-ID: <1@example.com>",
  "MIME-Version: 1.0",
  "Content-Type: text/plain; charset=iso-8859-1",
  "Content-Transfer-Encoding: quoted-printable",
  "",
  "The engine weaves algebraic patterns=",
  " just as the Jacquard loom weaves flowers and leaves. Caf=E9.",
  ""
]);

describe("emlLoader", () => {
  it("reads the header block and the text body, titled by the subject", async () => {
    const documents = await loadMail(PLAIN);
    expect(documents).toEqual([
      {
        source: "/mail/mail.eml",
        format: "eml",
        title: "Notes on the Analytical Engine – draft",
        metadata: {
          subject: "Notes on the Analytical Engine – draft",
          from: "Ada Lovelace <ada@example.com>",
          date: "2025-04-01T10:00:00.000Z"
        },
        segments: [
          {
            text:
              "From: Ada Lovelace <ada@example.com>\n" +
              "To: Charles Babbage <charles@example.com>, team@example.com\n" +
              "Cc: Mary <mary@example.com>\n" +
              "Date: Tue, 1 Apr 2025 10:00:00 +0000\n" +
              "Subject: Notes on the Analytical Engine – draft\n" +
              "\n" +
              "The engine weaves algebraic patterns just as the Jacquard loom weaves flowers and leaves. Café."
          }
        ]
      }
    ]);
  });

  it("reads the HTML body when there is no text part", async () => {
    const mail = crlf([
      "From: news@example.com",
      "Subject: Weekly",
      "MIME-Version: 1.0",
      "Content-Type: text/html; charset=utf-8",
      "",
      "<html><head><style>p{color:red}</style></head><body><p>This week:</p><p>Three &amp; four.</p>" +
        "<script>alert(1)</script></body></html>"
    ]);
    const [document] = await loadMail(mail);
    expect(document.segments).toEqual([{text: "From: news@example.com\nSubject: Weekly\n\nThis week:\n\nThree & four."}]);
    expect(document.metadata).toEqual({subject: "Weekly", from: "news@example.com"});
  });

  it("loads attachments as nested files and skips inline images", async () => {
    const pdf = await buildPdf([{text: "Quarterly figures"}]);
    const boundary = "b1";
    const mail = crlf([
      "From: ada@example.com",
      "To: charles@example.com",
      "Subject: Files",
      "MIME-Version: 1.0",
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      "",
      `--${boundary}`,
      'Content-Type: multipart/related; boundary="b2"',
      "",
      "--b2",
      "Content-Type: text/html; charset=utf-8",
      "",
      '<p>See attached.</p><img src="cid:logo@x">',
      "--b2",
      "Content-Type: image/png",
      "Content-ID: <logo@x>",
      "Content-Disposition: inline",
      "Content-Transfer-Encoding: base64",
      "",
      "iVBORw0KGgo=",
      "--b2--",
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8; name="notes.txt"',
      'Content-Disposition: attachment; filename="notes.txt"',
      "",
      "Plain notes.",
      `--${boundary}`,
      "Content-Type: application/pdf",
      'Content-Disposition: attachment; filename="../figures.pdf"',
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from(pdf).toString("base64").replace(/.{76}/g, "$&\r\n"),
      `--${boundary}`,
      "Content-Type: application/octet-stream",
      "Content-Disposition: attachment",
      "Content-Transfer-Encoding: base64",
      "",
      "AAEC",
      `--${boundary}`,
      "Content-Type: text/plain",
      'Content-Disposition: attachment; filename="notes.txt"',
      "",
      "More notes.",
      `--${boundary}--`,
      ""
    ]);
    const calls: NestedCall[] = [];
    const failures: LoadFailure[] = [];
    const documents = await loadMail(mail, mailContext(calls, failures));
    expect(documents.map((document) => document.source)).toEqual([
      "/mail/mail.eml",
      "/mail/mail.eml!/notes.txt",
      "/mail/mail.eml!/figures.pdf",
      "/mail/mail.eml!/4-notes.txt"
    ]);
    expect(documents[0].segments).toEqual([
      {text: "From: ada@example.com\nTo: charles@example.com\nSubject: Files\n\nSee attached."}
    ]);
    expect(documents[1].segments).toEqual([{text: "Plain notes."}]);
    expect(documents[2]).toMatchObject({format: "pdf", segments: [{text: "Quarterly figures", page: 1}]});
    expect(documents[3].segments).toEqual([{text: "More notes."}]);
    expect(calls.map(({input, depth}) => [input.name, input.source, depth])).toEqual([
      ["notes.txt", "/mail/mail.eml!/notes.txt", 1],
      ["figures.pdf", "/mail/mail.eml!/figures.pdf", 1],
      ["attachment-3", "/mail/mail.eml!/attachment-3", 1],
      ["4-notes.txt", "/mail/mail.eml!/4-notes.txt", 1]
    ]);
    expect(calls[1].input.bytes).toEqual(pdf);
    expect(calls[2].input.bytes).toEqual(new Uint8Array([0, 1, 2]));
    expect(failures).toEqual([{source: "/mail/mail.eml!/attachment-3", reason: "unsupported format"}]);
  });

  it("keeps the headers of a mail whose only content is an attachment", async () => {
    const mail = crlf([
      "From: ada@example.com",
      "Subject: Only a file",
      'Content-Type: multipart/mixed; boundary="x"',
      "",
      "--x",
      'Content-Type: text/plain; name="a.txt"',
      'Content-Disposition: attachment; filename="a.txt"',
      "",
      "Attached text.",
      "--x--"
    ]);
    const documents = await loadMail(mail);
    expect(documents.map((document) => document.segments[0].text)).toEqual([
      "From: ada@example.com\nSubject: Only a file",
      "Attached text."
    ]);
  });

  it("refuses a mail with no body and no attachments", async () => {
    const error = await loadError(crlf(["From: ada@example.com", "Subject: (nothing)", "", "   ", ""]));
    expect(error.message).toBe("/mail/mail.eml: no text found: the message has no body text and no attachments");
  });

  it.each([
    ["plain text", "just some words\nand another line"],
    ["a PDF", "%PDF-1.4\n1 0 obj\n<< >>\nendobj"],
    ["binary", "\u0000\u0001\u0002\u0003"],
    ["nothing", ""]
  ])("refuses %s as not an e-mail", async (_label, text) => {
    const error = await loadError(text);
    expect(error.reason).toBe("not an e-mail message: it does not start with mail headers (From:, Subject:, ...)");
  });
});
