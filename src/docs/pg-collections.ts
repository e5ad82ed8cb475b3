import type {PgDatabase} from "../db/index.js";
import type {CollectionBackend, CollectionIndex} from "./collection-index.js";
import {checkCollectionName, LLM_MODE, MY_DATA, USER_DATA, type CollectionInfo, type CollectionScope} from "./collections.js";
import {CollectionNotFoundError} from "./docs-errors.js";
import type {EmbeddingIdentity} from "./document-collection.js";
import {PgCollection} from "./pg-collection.js";

export interface PgCollectionsOptions {
  /** Close the database with the backend (a command that opened it for itself); a server closes its own. */
  readonly ownsDatabase?: boolean;
}

function isShared(scope: CollectionScope, name: string): boolean {
  return name === USER_DATA || (scope.sharedCollections ?? []).includes(name);
}

/** Whose a collection is: `shared`, or `user:<name>` (the scope's user, never a name from a request). */
function owner(scope: CollectionScope, name: string): string {
  return isShared(scope, name) ? "shared" : `user:${scope.user}`;
}

/**
 * Collections in the shared PostgreSQL database (`--db_url`), with the SQLite backend's scoping: UserData and the
 * server's shared names are everyone's, every other name is its user's own, and a name the user cannot see reads
 * exactly like a missing one. `persistDirectory` is not used.
 *
 * @example
 * const manager = new CollectionManager({persistDirectory: "", backend: pgCollections(db), ocr});
 */
export function pgCollections(db: PgDatabase, options: PgCollectionsOptions = {}): CollectionBackend & {close(): Promise<void>} {
  let pgvector: Promise<boolean> | undefined;
  const locate = (scope: CollectionScope, name: string): string => `postgres:${owner(scope, checkCollectionName(name))}/${name}`;

  const list = async (scope: CollectionScope): Promise<CollectionInfo[]> => {
    const {rows} = await db.query<{scope: string; name: string}>("SELECT scope, name FROM doc_collections WHERE scope = $1 OR scope = 'shared'", [`user:${scope.user}`]);
    const stored = new Set(rows.map((row) => `${row.scope}/${row.name}`));
    const names = new Map<string, boolean>([
      [USER_DATA, true],
      [MY_DATA, false]
    ]);
    for (const name of scope.sharedCollections ?? []) names.set(name, true);
    // A shared row whose name is no longer configured as shared stays invisible, as with the SQLite files.
    for (const row of rows) if (row.scope !== "shared" || isShared(scope, row.name)) names.set(row.name, row.scope === "shared");
    return [...names].map(([name, shared]) => ({name, shared, path: locate(scope, name), exists: stored.has(`${owner(scope, name)}/${name}`)}));
  };

  return {
    locate,
    list,
    async open(scope, name, openOptions = {}): Promise<CollectionIndex> {
      const path = locate(scope, name);
      const key = owner(scope, name);
      let {rows} = await db.query<{id: string; embedding: EmbeddingIdentity | null}>("SELECT id, embedding FROM doc_collections WHERE scope = $1 AND name = $2", [key, name]);
      if (rows.length === 0) {
        if (!openOptions.create && name !== MY_DATA && !isShared(scope, name)) {
          const known = (await list(scope)).map((collection) => collection.name);
          throw new CollectionNotFoundError(`no collection '${name}' (langchain_mode); there are: ${[LLM_MODE, ...known].join(", ")}`);
        }
        // Two replicas creating the same collection at once both end up with the one row.
        await db.query("INSERT INTO doc_collections (scope, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (scope, name) DO NOTHING", [key, name, Date.now()]);
        ({rows} = await db.query("SELECT id, embedding FROM doc_collections WHERE scope = $1 AND name = $2", [key, name]));
      }
      pgvector ??= db.hasExtension("vector");
      return new PgCollection(db, Number(rows[0]!.id), path, rows[0]!.embedding ?? undefined, await pgvector);
    },
    async remove(scope, name): Promise<boolean> {
      const {rowCount} = await db.query("DELETE FROM doc_collections WHERE scope = $1 AND name = $2", [owner(scope, checkCollectionName(name)), name]);
      return (rowCount ?? 0) > 0;
    },
    async close(): Promise<void> {
      if (options.ownsDatabase) await db.close();
    }
  };
}
