import {createHash} from "node:crypto";
import {existsSync, readdirSync, readFileSync} from "node:fs";
import {extname, join} from "node:path";
import {fileURLToPath} from "node:url";

/** `dist/ui/static` of this package, from both `src/ui` (tests) and `dist/ui` (installed): both sit two levels down. */
export const UI_STATIC_DIR = fileURLToPath(new URL("../../dist/ui/static/", import.meta.url));

export interface UiAsset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".map": "application/json"
};

/**
 * The built UI files keyed by URL path (`/app.js`), read once. Serving only this fixed set means no request
 * path ever reaches the file system, so path traversal is impossible by construction. Undefined when the UI
 * has not been built.
 */
export function readUiAssets(dir = UI_STATIC_DIR): ReadonlyMap<string, UiAsset> | undefined {
  if (!existsSync(join(dir, "index.html"))) return undefined;
  const assets = new Map<string, UiAsset>();
  for (const name of readdirSync(dir)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType == null) continue;
    const body = readFileSync(join(dir, name));
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
    assets.set(`/${name}`, {body, contentType, etag});
  }
  return assets;
}
