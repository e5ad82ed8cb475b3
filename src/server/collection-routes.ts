import {Hono, type Context} from "hono";
import {CollectionNotFoundError, type CollectionManager} from "../docs/index.js";
import {sourceFields} from "../generate/index.js";
import {UsageError} from "../errors/index.js";
import type {AppEnv} from "./access-control.js";
import {asObject, optionalNumber, optionalStringList, rejectUnknownFields, requiredString} from "./field-readers.js";
import {HttpError} from "./http-error.js";
import {readJsonBody} from "./read-json-body.js";

/**
 * Document collections over HTTP, always as the caller: `GET /api/collections` (UserData, the caller's MyData,
 * shared and own collections), `GET /api/collections/:name/documents`, `DELETE /api/collections/:name/documents?source=`,
 * `POST /api/collections/:name/purge`, `POST /api/collections/:name/retrieve` `{query, top_k_docs?, document_choice?}`
 * and `POST /api/collections/UserData/sync` (re-ingest `--user_path`). A private collection of another user, or a
 * document id that is not in the caller's collection, answers 404 exactly like a missing one. Shared collections
 * can be changed over HTTP only when the server allows it (h2oGPT's allow_upload_to_user_data).
 */

const RETRIEVE_FIELDS = new Set(["query", "top_k_docs", "document_choice"]);
const MAX_QUERY = 10_000;

export interface CollectionRoutesOptions {
  readonly collections: CollectionManager;
  /** Whether users may delete from or purge shared collections (UserData and --shared_collections). */
  readonly allowSharedChanges: boolean;
}

export function collectionRoutes(options: CollectionRoutesOptions): Hono<AppEnv> {
  const {collections} = options;
  const app = new Hono<AppEnv>();

  const user = (c: Context<AppEnv>): string => c.get("principal").user;
  const open = async (c: Context<AppEnv>) => {
    try {
      return await collections.collection(user(c), c.req.param("name") ?? "");
    } catch (error) {
      if (error instanceof CollectionNotFoundError || error instanceof UsageError)
        throw new HttpError(404, (error as Error).message, {code: "collection_not_found", param: "langchain_mode"});
      throw error;
    }
  };
  const mayChange = (name: string): void => {
    if (collections.isShared(name) && !options.allowSharedChanges)
      throw new HttpError(403, `${name} is shared; this server does not let users change it`, {code: "shared_collection_read_only"});
  };

  app.get("/", async (c) =>
    c.json({
      collections: (await collections.list(user(c))).map((info) => ({name: info.name, shared: info.shared, documents: info.documents, chunks: info.chunks}))
    })
  );

  app.get("/:name/documents", async (c) => {
    const documents = await (await open(c)).documents();
    return c.json({
      documents: documents.map((document) => ({
        id: document.id,
        source: document.source,
        format: document.format,
        title: document.title,
        chunks: document.chunks,
        text_chars: document.textChars,
        added_at: document.addedAt
      }))
    });
  });

  const idParam = (c: Context<AppEnv>, key: string): number => {
    const value = Number(c.req.param(key));
    if (!Number.isSafeInteger(value) || value < 1) throw new HttpError(404, "no such document", {code: "document_not_found"});
    return value;
  };

  app.get("/:name/documents/:id", async (c) => {
    const collection = await open(c);
    const document = await collection.document(idParam(c, "id"));
    if (document == null) throw new HttpError(404, "no such document", {code: "document_not_found"});
    return c.json({
      id: document.id,
      source: document.source,
      format: document.format,
      title: document.title,
      metadata: document.metadata,
      text_chars: document.textChars,
      chunks: (await collection.chunksOf(document.id)).map((chunk) => ({
        chunk_row_id: chunk.chunkRowId,
        chunk_id: chunk.chunkId,
        page: chunk.page,
        start: chunk.start,
        end: chunk.end,
        content: chunk.content
      }))
    });
  });

  app.get("/:name/chunks/:id", async (c) => {
    const chunk = await (await open(c)).chunk(idParam(c, "id"));
    if (chunk == null) throw new HttpError(404, "no such chunk", {code: "chunk_not_found"});
    return c.json(sourceFields(chunk));
  });

  app.delete("/:name/documents/:id", async (c) => {
    const collection = await open(c);
    mayChange(c.req.param("name"));
    if (!(await collection.deleteDocument(idParam(c, "id")))) throw new HttpError(404, "no such document", {code: "document_not_found"});
    return c.json({deleted: Number(c.req.param("id"))});
  });

  app.delete("/:name/documents", async (c) => {
    const source = c.req.query("source");
    if (source == null || source === "") throw new HttpError(400, "source: is required (?source=...)", {param: "source", code: "missing_field"});
    const collection = await open(c);
    mayChange(c.req.param("name"));
    const removed = await collection.deleteSource(source);
    if (removed === 0) throw new HttpError(404, "no such document", {code: "document_not_found"});
    return c.json({deleted: source, documents: removed});
  });

  app.post("/:name/purge", async (c) => {
    const name = c.req.param("name");
    await open(c);
    mayChange(name);
    await collections.purge(user(c), name);
    return c.json({purged: name});
  });

  app.post("/:name/retrieve", async (c) => {
    const body = asObject(await readJsonBody(c), "body");
    rejectUnknownFields(body, RETRIEVE_FIELDS);
    const query = requiredString(body, "query", MAX_QUERY);
    const topK = optionalNumber(body, "top_k_docs", {integer: true, min: 1, max: 1000});
    const sources = optionalStringList(body, "document_choice", 1000);
    await open(c);
    const hits = await collections.retrieve({user: user(c), name: c.req.param("name"), query, topK, sources, signal: c.req.raw.signal});
    return c.json({sources: hits.map(sourceFields)});
  });

  app.post("/UserData/sync", async (c) => {
    mayChange("UserData");
    if (collections.options.userPath == null) throw new HttpError(400, "the server was started without --user_path", {code: "no_user_path"});
    const summary = await collections.syncUserPath();
    return c.json({
      added: summary.added,
      updated: summary.updated,
      unchanged: summary.unchanged,
      removed: summary.removed,
      failed: summary.failed,
      failures: summary.failures
    });
  });

  return app;
}
