import {createHash, timingSafeEqual} from "node:crypto";
import {readFileSync} from "node:fs";
import {InputFileError, UsageError} from "../errors/index.js";

/**
 * API keys for `/v1` and `/api`, given as `--api_keys=FILE` (one key per line, `#` comments) or H2OGPT_API_KEYS
 * (comma-separated); both sources add up.
 *
 * Threat model: a network client guessing keys, or measuring response times to learn a key's prefix. Keys must
 * be at least 16 characters (a short key falls to a scan even when wrong keys are throttled per client, since a
 * guesser with many addresses gets many budgets); errors name the file and line, never the key. Keys are
 * compared as SHA-256 digests with a constant-time comparison against every configured key, so the time taken
 * does not depend on how much of a guess matches. Each key has a stable identity (`key-<first 12 hex of its
 * digest>`) that owns its chats, so two key holders never see each other's history and logs never show a key.
 */

export interface ApiKey {
  /** The user id this key acts as. */
  readonly identity: string;
  readonly digest: Buffer;
  /** Where it was given: the key file's path, or H2OGPT_API_KEYS (kept with the key in the database). */
  readonly source: string;
}

const MIN_KEY_LENGTH = 16;

function digest(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

function toApiKey(key: string, source: string): ApiKey {
  const d = digest(key);
  return {identity: `key-${d.toString("hex").slice(0, 12)}`, digest: d, source};
}

/** The keys of `--api_keys` and H2OGPT_API_KEYS; a bad one is an error naming where it is (never what it is). */
export function loadApiKeys(options: {file?: string; env?: string}): ApiKey[] {
  const keys = new Map<string, string>();
  const add = (key: string, source: string): void => {
    if (!keys.has(key)) keys.set(key, source);
  };
  if (options.file != null) {
    let text: string;
    try {
      text = readFileSync(options.file, "utf8");
    } catch (error) {
      throw new InputFileError(options.file, `cannot read the API key file (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
    text.split(/\r?\n/).forEach((line, index) => {
      const key = line.trim();
      if (key === "" || key.startsWith("#")) return;
      if (key.length < MIN_KEY_LENGTH || /\s/.test(key))
        throw new InputFileError(options.file!, `line ${index + 1}: a key must be at least ${MIN_KEY_LENGTH} characters without spaces`);
      add(key, options.file!);
    });
    if (keys.size === 0) throw new InputFileError(options.file, "the API key file holds no keys");
  }
  (options.env ?? "").split(",").forEach((raw, index) => {
    const key = raw.trim();
    if (key === "") return;
    if (key.length < MIN_KEY_LENGTH || /\s/.test(key))
      throw new UsageError(`H2OGPT_API_KEYS: key ${index + 1}: a key must be at least ${MIN_KEY_LENGTH} characters without spaces`);
    add(key, "H2OGPT_API_KEYS");
  });
  return [...keys].map(([key, source]) => toApiKey(key, source));
}

/** The key matching `presented`, or undefined; takes the same time whichever key (if any) matches. */
export function matchApiKey<K extends {readonly digest: Buffer}>(keys: readonly K[], presented: string): K | undefined {
  const d = digest(presented);
  let found: K | undefined;
  for (const key of keys) if (timingSafeEqual(key.digest, d)) found = key;
  return found;
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}
