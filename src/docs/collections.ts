import {createHash} from "node:crypto";
import {existsSync, readdirSync, rmSync} from "node:fs";
import {join, resolve} from "node:path";
import {UsageError} from "../errors/index.js";
import type {CollectionBackend} from "./collection-index.js";
import {CollectionNotFoundError} from "./docs-errors.js";
import {DocumentCollection} from "./document-collection.js";

/**
 * h2oGPT's collections (langchain_mode) and who sees them. `LLM` has no documents. `UserData` is shared by every
 * user. `MyData` is each user's own. Other names are collections a user creates: private to their owner, unless
 * the server is started with the name among its shared collections. Each collection is one SQLite file; private
 * ones live under a folder derived from the owner's name, so isolation does not depend on a WHERE clause.
 */

export const LLM_MODE = "LLM";
export const USER_DATA = "UserData";
export const MY_DATA = "MyData";
export const DEFAULT_PERSIST_DIRECTORY = "h2ogpt_db";

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const FILE_SUFFIX = ".sqlite3";

export interface CollectionScope {
  /** h2oGPT's persist_directory: where every collection's database lives. */
  readonly persistDirectory: string;
  /** Who is asking: private collections are this user's. */
  readonly user: string;
  /** Collection names besides UserData that every user shares (a server setting). */
  readonly sharedCollections?: readonly string[];
}

export interface CollectionInfo {
  readonly name: string;
  readonly shared: boolean;
  readonly path: string;
  /** False for MyData and UserData before anything was ingested into them. */
  readonly exists: boolean;
}

function isShared(scope: CollectionScope, name: string): boolean {
  return name === USER_DATA || (scope.sharedCollections ?? []).includes(name);
}

function userFolder(scope: CollectionScope): string {
  const readable = scope.user.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 32);
  const digest = createHash("sha256").update(scope.user).digest("hex").slice(0, 16);
  return join(resolve(scope.persistDirectory), "users", `${readable}-${digest}`);
}

/** Checks a collection name (h2oGPT's langchain_mode) as a user may write it: letters, digits, `_`, `.`, `-`. */
export function checkCollectionName(name: string): string {
  if (name === LLM_MODE) throw new UsageError("langchain_mode LLM has no documents: choose UserData, MyData or a collection name");
  if (!NAME.test(name))
    throw new UsageError(`collection name '${name.slice(0, 80)}' is not valid: use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit`);
  return name;
}

/** Where a collection's database is for this scope (whether or not it exists yet). */
export function collectionPath(scope: CollectionScope, name: string): string {
  checkCollectionName(name);
  const folder = isShared(scope, name) ? join(resolve(scope.persistDirectory), "shared") : userFolder(scope);
  return join(folder, name + FILE_SUFFIX);
}

/** The collections this scope's user can see: UserData and MyData always, then shared and own collections. */
export function listCollections(scope: CollectionScope): CollectionInfo[] {
  const names = new Map<string, boolean>([
    [USER_DATA, true],
    [MY_DATA, false]
  ]);
  for (const name of scope.sharedCollections ?? []) names.set(name, true);
  for (const [folder, shared] of [
    [join(resolve(scope.persistDirectory), "shared"), true],
    [userFolder(scope), false]
  ] as const) {
    if (!existsSync(folder)) continue;
    for (const file of readdirSync(folder))
      if (file.endsWith(FILE_SUFFIX)) {
        const name = file.slice(0, -FILE_SUFFIX.length);
        // A shared folder file that is no longer configured as shared stays invisible, as a private name would.
        if (NAME.test(name) && (!shared || isShared(scope, name))) names.set(name, shared);
      }
  }
  return [...names].map(([name, shared]) => {
    const path = collectionPath(scope, name);
    return {name, shared, path, exists: existsSync(path)};
  });
}

/**
 * Opens a collection this scope may use. `create` makes a missing one (ingesting); without it, a name that is
 * neither a built-in collection nor one of this user's or the shared ones is a CollectionNotFoundError naming the
 * collections there are: another user's private collection reads exactly like a missing one.
 */
export function openCollection(scope: CollectionScope, name: string, options: {create?: boolean} = {}): DocumentCollection {
  const path = collectionPath(scope, name);
  if (!existsSync(path) && !options.create && name !== USER_DATA && name !== MY_DATA && !isShared(scope, name)) {
    const known = listCollections(scope).map((collection) => collection.name);
    throw new CollectionNotFoundError(`no collection '${name}' (langchain_mode); there are: ${[LLM_MODE, ...known].join(", ")}`);
  }
  return DocumentCollection.open(path, {create: true});
}

/** Deletes a collection's database (h2oGPT's purge of a whole collection). Returns whether there was one. */
export function removeCollection(scope: CollectionScope, name: string): boolean {
  const path = collectionPath(scope, name);
  const existed = existsSync(path);
  for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, {force: true});
  return existed;
}

/**
 * Collections as SQLite files under the scope's persist directory (the default; pgCollections is the other).
 *
 * @example
 * const collection = await sqliteCollections.open({persistDirectory: "h2ogpt_db", user: "alice"}, "MyData");
 */
export const sqliteCollections: CollectionBackend = {
  locate: collectionPath,
  open: async (scope, name, options) => openCollection(scope, name, options),
  list: async (scope) => listCollections(scope),
  remove: async (scope, name) => removeCollection(scope, name)
};
