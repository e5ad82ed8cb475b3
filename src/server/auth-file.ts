import {readFile, stat} from "node:fs/promises";
import {InputFileError} from "../errors/index.js";
import {writeFileAtomic} from "../util/index.js";
import {findJsonSyntaxError} from "./json-error-location.js";
import {hashPassword, isPasswordHash} from "./password-hash.js";

/**
 * The `--auth=FILE` user list. Accepted forms:
 * - h2oGPT's auth.json: `{"alice": {"password": "plain", "userid": "...", ...}}` (extra fields are kept);
 * - ours: `{"alice": {"password_hash": "scrypt$...", "admin": true}}` (`admin`: may load and unload models);
 * - shorthands `{"alice": "plain"}` and h2oGPT's `--auth` list form `[["alice", "plain"], ...]`.
 *
 * Threat model: plain passwords at rest are readable by anyone who gets the file. On first load every plain
 * password is replaced by its scrypt hash and the file is rewritten atomically (temp name, then rename, keeping
 * the file's permission bits), so a crash mid-write leaves either the old or the new file, never a torn one.
 * Errors name the file, the entry or position and what is wrong, never the file's text (it may hold secrets).
 */

export interface AuthUser {
  readonly username: string;
  readonly passwordHash: string;
  /** `"admin": true` in the entry (our counterpart of h2oGPT's admin_pass): may load and unload models. */
  readonly admin?: boolean;
}

export interface LoadedAuthFile {
  readonly users: ReadonlyMap<string, AuthUser>;
  /** Usernames whose plain password was hashed and written back during this load. */
  readonly hashedOnLoad: readonly string[];
}

type Entry = Record<string, unknown>;

function normalize(path: string, parsed: unknown): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  if (Array.isArray(parsed)) {
    parsed.forEach((pair, index) => {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string" || typeof pair[1] !== "string")
        throw new InputFileError(path, `entry ${index + 1}: expected ["username", "password"]`);
      entries.set(pair[0], {password: pair[1]});
    });
  } else if (parsed != null && typeof parsed === "object") {
    for (const [username, value] of Object.entries(parsed)) {
      if (typeof value === "string") entries.set(username, {password: value});
      else if (value != null && typeof value === "object" && !Array.isArray(value)) entries.set(username, {...value});
      else throw new InputFileError(path, `user "${username}": expected an object with "password" or "password_hash"`);
    }
  } else {
    throw new InputFileError(path, 'expected a JSON object {"user": {"password": "..."}} or a list of [user, password]');
  }
  return entries;
}

function checkUsername(path: string, username: string): void {
  if (username.trim() === "" || username.length > 128 || /[\u0000-\u001f]/.test(username))
    throw new InputFileError(path, `user "${username.slice(0, 40)}": a username must be 1-128 printable characters`);
}

async function writePreservingMode(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, text, {mode: (await stat(path)).mode & 0o777});
}

/** Reads the `--auth` file, replacing plain passwords by scrypt hashes in place. */
export async function loadAuthFile(path: string): Promise<LoadedAuthFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new InputFileError(path, `cannot read the auth file (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the text, which may be a password or a key given here by mistake.
    const where = findJsonSyntaxError(text);
    throw new InputFileError(path, where == null ? "not valid JSON" : `not valid JSON: line ${where.line}, column ${where.column}: ${where.problem}`);
  }

  const entries = normalize(path, parsed);
  if (entries.size === 0) throw new InputFileError(path, "the auth file lists no users");

  const hashedOnLoad: string[] = [];
  const users = new Map<string, AuthUser>();
  for (const [username, entry] of entries) {
    checkUsername(path, username);
    const {password, password_hash: storedHash} = entry;
    if (password != null) {
      if (typeof password !== "string" || password === "")
        throw new InputFileError(path, `user "${username}": "password" must be a non-empty string`);
      entry.password_hash = await hashPassword(password);
      delete entry.password;
      hashedOnLoad.push(username);
    } else if (typeof storedHash !== "string" || !isPasswordHash(storedHash)) {
      throw new InputFileError(path, `user "${username}": needs "password" or a valid "password_hash" (scrypt$...)`);
    }
    if (entry.admin != null && typeof entry.admin !== "boolean")
      throw new InputFileError(path, `user "${username}": "admin" must be true or false`);
    users.set(username, {username, passwordHash: entry.password_hash as string, admin: entry.admin === true});
  }

  if (hashedOnLoad.length > 0 || Array.isArray(parsed)) {
    await writePreservingMode(path, JSON.stringify(Object.fromEntries(entries), null, 2) + "\n");
  }
  return {users, hashedOnLoad};
}
