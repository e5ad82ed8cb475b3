import {dirname} from "node:path";
import {UsageError} from "../errors/index.js";
import type {CollectionBackend, CollectionIndex} from "./collection-index.js";
import {collectionPath, sqliteCollections, USER_DATA, type CollectionInfo, type CollectionScope} from "./collections.js";
import type {ScoredChunk} from "./document-collection.js";
import type {OcrRunner} from "./document-types.js";
import type {Embedder} from "./embedder.js";
import {ingest, type IngestSummary} from "./ingest.js";
import {retrieve} from "./retrieve.js";

export interface CollectionManagerOptions {
  readonly persistDirectory: string;
  /** Collection names besides UserData that every user shares. */
  readonly sharedCollections?: readonly string[];
  /** h2oGPT's user_path: a folder kept ingested into UserData. */
  readonly userPath?: string;
  readonly embedder?: Embedder;
  readonly ocr: OcrRunner;
  /** Where the collections are: SQLite files under persistDirectory (default) or PostgreSQL (pgCollections). */
  readonly backend?: CollectionBackend;
}

export interface CollectionListing extends CollectionInfo {
  readonly documents: number;
  readonly chunks: number;
}

/**
 * The collections a server (or any long-lived process) works with: each opened once and kept open, scoped per
 * user, so that one user can never name their way into another's private collection (the path comes from the
 * user, not from the request). Owns the embedder and closes everything it opened.
 */
export class CollectionManager {
  private readonly open = new Map<string, Promise<CollectionIndex>>();
  private readonly backend: CollectionBackend;
  private userPathSync: Promise<IngestSummary> | undefined;
  private readonly closing = new AbortController();
  /** Ingestions under way: closing waits for them, so none writes to a closed database. */
  private readonly running = new Set<Promise<unknown>>();

  constructor(readonly options: CollectionManagerOptions) {
    this.backend = options.backend ?? sqliteCollections;
  }

  scope(user: string): CollectionScope {
    return {persistDirectory: this.options.persistDirectory, user, sharedCollections: this.options.sharedCollections};
  }

  isShared(name: string): boolean {
    return name === USER_DATA || (this.options.sharedCollections ?? []).includes(name);
  }

  async list(user: string): Promise<CollectionListing[]> {
    const listing: CollectionListing[] = [];
    for (const info of await this.backend.list(this.scope(user))) {
      if (!info.exists) listing.push({...info, documents: 0, chunks: 0});
      else {
        const stats = await (await this.collection(user, info.name)).stats();
        listing.push({...info, documents: stats.documents, chunks: stats.chunks});
      }
    }
    return listing;
  }

  /** The user's collection `name`; a name the user cannot see is a CollectionNotFoundError listing those they can. */
  collection(user: string, name: string, options: {create?: boolean} = {}): Promise<CollectionIndex> {
    const scope = this.scope(user);
    const key = this.backend.locate(scope, name);
    let collection = this.open.get(key);
    if (collection == null) {
      collection = this.backend.open(scope, name, options);
      this.open.set(key, collection);
      // A failed open (a name the user cannot see) is not kept: the next call asks again.
      collection.catch(() => this.open.delete(key));
    }
    return collection;
  }

  async retrieve(options: {user: string; name: string; query: string; topK?: number; sources?: readonly string[]; signal?: AbortSignal}): Promise<ScoredChunk[]> {
    const collection = await this.collection(options.user, options.name);
    const embedder = collection.embedding == null ? undefined : this.options.embedder;
    return retrieve({collection, query: options.query, topK: options.topK, sources: options.sources, embedder, signal: options.signal});
  }

  /**
   * The generate stage's view of a collection for one user: best chunks for a question (hybrid when the collection
   * has vectors and the manager has their model) and whole documents in order.
   */
  async retriever(user: string, name: string): Promise<{
    search(query: string, topK: number, sources?: readonly string[]): Promise<ScoredChunk[]>;
    inOrder(limit: number | undefined, sources?: readonly string[]): Promise<ScoredChunk[]>;
  }> {
    const collection = await this.collection(user, name);
    return {
      search: (query, topK, sources) => this.retrieve({user, name, query, topK, sources}),
      inOrder: async (limit, sources) => collection.chunksInOrder({limit, sources})
    };
  }

  /** Ingests uploaded files (or paths) into the user's collection `name`, creating it when it is new. */
  ingest(options: {
    user: string;
    name: string;
    inputs: Parameters<typeof ingest>[0]["inputs"];
    signal?: AbortSignal;
    onProgress?: Parameters<typeof ingest>[0]["onProgress"];
  }): Promise<IngestSummary> {
    return this.track(
      this.collection(options.user, options.name, {create: true}).then((collection) => ingest({
        collection,
        inputs: options.inputs,
        embedder: this.options.embedder,
        ocr: this.options.ocr,
        signal: options.signal == null ? this.closing.signal : AbortSignal.any([options.signal, this.closing.signal]),
        onProgress: options.onProgress
      }))
    );
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const done = (): void => void this.running.delete(work);
    work.then(done, done);
    return work;
  }

  /** Empties a collection (its database stays, so open handles stay valid). */
  async purge(user: string, name: string): Promise<void> {
    await (await this.collection(user, name)).purge();
  }

  /**
   * Brings UserData up to date with `userPath` (new and changed files ingested, removed ones deleted). One run at
   * a time: a call during a run gets that run's result.
   */
  syncUserPath(options: {signal?: AbortSignal; onProgress?: Parameters<typeof ingest>[0]["onProgress"]} = {}): Promise<IngestSummary> {
    const userPath = this.options.userPath;
    if (userPath == null) return Promise.reject(new UsageError("the server was started without --user_path"));
    this.userPathSync ??= this.track(this.collection("", USER_DATA, {create: true}).then((collection) => ingest({
      collection,
      inputs: [userPath],
      embedder: this.options.embedder,
      ocr: this.options.ocr,
      removeMissing: true,
      exclude: [dirname(dirname(collectionPath(this.scope(""), USER_DATA)))],
      signal: options.signal == null ? this.closing.signal : AbortSignal.any([options.signal, this.closing.signal]),
      onProgress: options.onProgress
    }))).finally(() => {
      this.userPathSync = undefined;
    });
    return this.userPathSync;
  }

  async close(): Promise<void> {
    this.closing.abort(new Error("closing"));
    await Promise.allSettled(this.running);
    for (const collection of await Promise.allSettled(this.open.values())) if (collection.status === "fulfilled") collection.value.close();
    this.open.clear();
    await this.options.embedder?.close();
    await this.backend.close?.();
  }
}
