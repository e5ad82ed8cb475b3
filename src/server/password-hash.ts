import {randomBytes, timingSafeEqual} from "node:crypto";
import {scryptOnThread} from "./scrypt-thread.js";

/**
 * Password hashing for `--auth` users.
 *
 * Threat model: someone who obtains a copy of the auth file (a backup, a leaked volume) must not learn passwords
 * and must pay a memory-hard cost per guess. scrypt with OWASP's parameters N=2^15, r=8, p=3 (32 MiB, about
 * 0.3 s here) and a random 16-byte salt per user; the parameters live in the hash so they can be raised later
 * without breaking stored hashes. Verification compares in constant time. Online guessing is limited
 * separately (see login-throttle.ts). Hashing runs on a thread of its own (scrypt-thread.ts), not on the event
 * loop nor on libuv's thread pool where llama.cpp decodes, so logins never hold generation back.
 *
 * Format: `scrypt$N$r$p$<salt base64url>$<hash base64url>`.
 */

const PARAMS = {N: 2 ** 15, r: 8, p: 3} as const;
const KEY_LENGTH = 32;
const PREFIX = "scrypt";

function derive(password: string, salt: Buffer, N: number, r: number, p: number, length: number): Promise<Buffer> {
  return scryptOnThread(password.normalize("NFC"), salt, length, {N, r, p, maxmem: 256 * N * r + 1024 * 1024});
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS.N, PARAMS.r, PARAMS.p, KEY_LENGTH);
  return [PREFIX, PARAMS.N, PARAMS.r, PARAMS.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** True when `value` is a hash this module wrote (as opposed to a plain password in h2oGPT's auth.json). */
export function isPasswordHash(value: string): boolean {
  return parseHash(value) != null;
}

function parseHash(value: string): {N: number; r: number; p: number; salt: Buffer; key: Buffer} | undefined {
  const parts = value.split("$");
  if (parts.length !== 6 || parts[0] !== PREFIX) return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const valid = [N, r, p].every((n) => Number.isInteger(n) && n > 0) && (N & (N - 1)) === 0 && N <= 2 ** 20 && r <= 32 && p <= 16;
  if (!valid) return undefined;
  const salt = Buffer.from(parts[4]!, "base64url");
  const key = Buffer.from(parts[5]!, "base64url");
  if (salt.length < 8 || key.length < 16) return undefined;
  return {N, r, p, salt, key};
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const parsed = parseHash(hash);
  if (parsed == null) return false;
  const key = await derive(password, parsed.salt, parsed.N, parsed.r, parsed.p, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/** A hash of a random password: verifying against it costs the same as a real user, so timing hides which users exist. */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(randomBytes(16).toString("hex"));
  return decoyHash;
}
